import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { ApiKeyScope, AuthUser } from 'src/common/decorators/current-user.decorator';
import { ForbiddenError, NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import { mintApiKey } from './api-key-format';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { ApiKey } from './api-key.entity';
import type { ApiKeyListResponse, ApiKeyResponse, CreatedApiKeyResponse } from './dto/api-key.response';
import type { CreateApiKeyDto } from './dto/create-api-key.dto';

/** Creating, listing and revoking API keys. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  /** A new key of the caller's; the full key is in this answer only. */
  async create(caller: AuthUser, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now()) throw new ValidationFailedError([{ field: 'expiresAt', message: 'must be in the future' }]);
    const { id, key, secretHash } = mintApiKey();
    const scopes: ApiKeyScope[] = dto.scopes.map((s) => ({ collection: s.collection, actions: [...s.actions] }));
    const row = this.keys.create({ id, userId: caller.id, name: dto.name, secretHash, scopes: JSON.stringify(scopes), createdAt: new Date(), expiresAt: dto.expiresAt ?? null, lastUsedAt: null, revokedAt: null });
    await this.keys.insert(row);
    return { ...toResponse(row), key };
  }

  /** The caller's live keys; with `all`, administrators see everyone's. */
  async list(caller: AuthUser, all: boolean): Promise<ApiKeyListResponse> {
    if (all && caller.role !== 'admin') throw new ForbiddenError('Only administrators may list every user\'s API keys.');
    const rows = await this.keys.find({ where: all ? { revokedAt: IsNull() } : { userId: caller.id, revokedAt: IsNull() }, order: { createdAt: 'DESC', id: 'ASC' } });
    return { data: rows.map(toResponse) };
  }

  /** Revokes one of the caller's keys (administrators with `all`: anyone's); refused on every node at once. */
  async revoke(caller: AuthUser, id: string, all: boolean): Promise<void> {
    if (all && caller.role !== 'admin') throw new ForbiddenError('Only administrators may revoke other users\' API keys.');
    const row = await this.keys.findOneBy(all ? { id, revokedAt: IsNull() } : { id, userId: caller.id, revokedAt: IsNull() });
    if (!row) throw new NotFoundError(`You have no API key ${id}.`);
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    await this.authenticator.revoked([id]);
  }

  /** Every key of a user, revoked ones included, without secrets (the GDPR export). */
  async allOf(userId: string): Promise<(ApiKeyResponse & { revokedAt: Date | null })[]> {
    const rows = await this.keys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((row) => ({ ...toResponse(row), revokedAt: row.revokedAt }));
  }

  /** After keys were deleted with their owner's account: refused at once on every node. */
  deleted(ids: string[]): Promise<void> {
    return this.authenticator.revoked(ids);
  }
}

function toResponse(row: ApiKey): ApiKeyResponse {
  return { id: row.id, userId: row.userId, name: row.name, scopes: JSON.parse(row.scopes) as ApiKeyScope[], createdAt: row.createdAt, expiresAt: row.expiresAt, lastUsedAt: row.lastUsedAt };
}

import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { AccessService } from 'src/modules/access/access.service';
import { SYSTEM_FIELDS } from 'src/modules/access/access.types';
import { UsersService } from 'src/modules/users/users.service';
import { recordMatches } from './record-filter-match';

type Row = Record<string, unknown>;

/**
 * The record as a webhook's owner may read it: undefined when the owner is
 * gone or disabled, has no read permission on the collection, or the
 * permission's row filter excludes the record; otherwise only the fields
 * the owner may read.
 */
@Injectable()
export class WebhookRecordView {
  constructor(
    private readonly users: UsersService,
    private readonly access: AccessService,
  ) {}

  async owner(userId: string): Promise<AuthUser | undefined> {
    const user = await this.users.findById(userId);
    if (!user || user.disabled) return undefined;
    return { id: user.id, role: user.role, sessionId: '' };
  }

  visibleTo(owner: AuthUser, collection: string, record: Row): Row | undefined {
    let grant;
    try {
      grant = this.access.authorize(owner, collection, 'read');
    } catch {
      return undefined;
    }
    if (grant.where && !recordMatches(grant.where, record)) return undefined;
    if (!grant.readable) return record;
    const fields = new Set<string>([...SYSTEM_FIELDS, ...grant.readable]);
    return Object.fromEntries(Object.entries(record).filter(([field]) => fields.has(field)));
  }
}

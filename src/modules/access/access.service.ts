import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import type { CollectionSchema } from 'src/modules/collections/collection-schema';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import type { FilterNode } from 'src/modules/records/query/list-query';
import { parseFilter } from 'src/modules/records/query/parse-filter';
import { SYSTEM_FIELDS, type AccessAction, type AccessRole, type Grant } from './access.types';
import type { CreatePermissionDto, PermissionResponse } from './dto/permission.dto';
import { Permission } from './permission.entity';

/** Stands in for "$user.id" when there is no user (anonymous callers) or when a rule is checked: a UUID no record has. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

interface Rule {
  readonly id: string;
  readonly role: AccessRole;
  readonly collection: string;
  readonly action: AccessAction;
  readonly rowFilter: Record<string, unknown> | null;
  readonly fields: string[] | null;
  readonly presets: Record<string, unknown> | null;
  readonly createdAt: Date;
}

export interface AuthorizeOptions {
  /** The request names one record: refusal is 404 (the record "does not exist" for the caller), never 403. */
  readonly recordId?: string;
}

const RESYNC_INTERVAL_MS = 30_000;
const PERMISSIONS_CHANNEL = 'permissions';

/**
 * Permissions on records for non-administrators. Every rule is cached in
 * memory; a node that changes them reloads and tells the others on Redis
 * (`<prefix>:permissions`), as the collections registry does for schemas,
 * and every node reloads every 30 s in case a message was lost.
 * No rule for a role, collection and action: denied.
 */
@Injectable()
export class AccessService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AccessService');
  private rules = new Map<string, Rule>();
  private resync?: NodeJS.Timeout;

  constructor(
    @InjectRepository(Permission) private readonly repository: Repository<Permission>,
    private readonly registry: CollectionsRegistry,
    private readonly channels: RedisChannels,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    const reload = () => void this.reload().catch((error) => this.logger.error({ err: error }, 'permissions reload failed'));
    await this.channels.subscribe(PERMISSIONS_CHANNEL, reload, reload);
    // A message lost while Redis was away must not leave old rules in force for long.
    this.resync = setInterval(() => void this.reload().catch((error) => this.logger.warn(`permissions resync failed: ${(error as Error).message}`)), RESYNC_INTERVAL_MS);
    this.resync.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.resync);
  }

  /** Whether the caller bypasses every rule. */
  static unrestricted(caller: AuthUser | undefined): boolean {
    return caller?.role === 'admin';
  }

  /**
   * What `caller` (undefined: anonymous, role 'public') may do with `collection`.
   * Throws 403 when no rule allows `action`, or 404 when `options.recordId` is set.
   */
  authorize(caller: AuthUser | undefined, collection: string, action: AccessAction, options: AuthorizeOptions = {}): Grant {
    if (AccessService.unrestricted(caller)) return {};
    const role: AccessRole = caller ? 'user' : 'public';
    const rule = this.rules.get(key(role, collection, action));
    if (!rule) {
      if (options.recordId !== undefined) throw new NotFoundError(`No record ${JSON.stringify(options.recordId)} in "${collection}".`);
      throw new ForbiddenError(`${caller ? 'Users' : 'Anonymous callers'} may not ${action} records of "${collection}".`);
    }
    const schema = this.registry.get(collection);
    if (!schema) throw new NotFoundError(`No collection "${collection}".`);
    const userId = caller?.id ?? NO_USER;
    const now = new Date().toISOString();
    let where: FilterNode | undefined;
    if (rule.rowFilter) {
      try {
        where = parseFilter(substitute(rule.rowFilter, userId, now), schema, this.registry, { param: 'permission' });
      } catch (error) {
        // The collection changed under the rule (a field was dropped): deny rather than open up.
        this.logger.warn(`permission ${rule.id} no longer applies to "${collection}": ${(error as Error).message}`);
        throw new ForbiddenError(`The permission to ${action} records of "${collection}" is out of date; an administrator must fix it.`);
      }
    }
    const grant: { where?: FilterNode; readable?: string[]; writable?: string[]; presets?: Record<string, unknown> } = {};
    if (where) grant.where = where;
    if (rule.fields && action === 'read') grant.readable = rule.fields;
    if (rule.fields && (action === 'create' || action === 'update')) grant.writable = rule.fields;
    if (rule.presets && action === 'create') grant.presets = substitute(rule.presets, userId, now) as Record<string, unknown>;
    return grant;
  }

  list(): PermissionResponse[] {
    return [...this.rules.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)).map(present);
  }

  async create(dto: CreatePermissionDto): Promise<PermissionResponse> {
    const schema = this.registry.get(dto.collection);
    if (!schema) throw new ValidationFailedError([{ field: 'collection', message: `"${dto.collection}" is not a collection` }]);
    this.check(dto, schema);
    await this.reload();
    if (this.rules.has(key(dto.role, dto.collection, dto.action))) {
      throw new ConflictError(ErrorCode.Conflict, `There is already a permission for ${dto.role} to ${dto.action} "${dto.collection}"; delete it first.`);
    }
    const row = this.repository.create({
      id: uuidv7(),
      role: dto.role,
      collection: dto.collection,
      action: dto.action,
      rowFilter: dto.rowFilter ? JSON.stringify(dto.rowFilter) : null,
      fields: dto.fields ? JSON.stringify(dto.fields) : null,
      presets: dto.presets ? JSON.stringify(dto.presets) : null,
      createdAt: new Date(),
    });
    await this.repository.insert(row);
    await this.changed();
    return present(toRule(row));
  }

  async remove(id: string): Promise<void> {
    const result = await this.repository.delete({ id });
    if (!result.affected) throw new NotFoundError(`No permission ${JSON.stringify(id)}.`);
    await this.changed();
  }

  async reload(): Promise<void> {
    const rows = await this.repository.find();
    const rules = new Map<string, Rule>();
    for (const row of rows) {
      const rule = toRule(row);
      rules.set(key(rule.role, rule.collection, rule.action), rule);
    }
    this.rules = rules;
  }

  /** The filter must parse against the collection, fields and presets must name its fields. */
  private check(dto: CreatePermissionDto, schema: CollectionSchema): void {
    const own = new Set(schema.fields.map((f) => f.name));
    if (dto.rowFilter !== undefined) {
      if (dto.action === 'create') throw new ValidationFailedError([{ field: 'rowFilter', message: 'does not apply to create (use presets)' }]);
      try {
        parseFilter(substitute(dto.rowFilter, NO_USER, new Date().toISOString()), schema, this.registry, { param: 'rowFilter' });
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw new ValidationFailedError([{ field: 'rowFilter', message: (error as Error).message }]);
      }
    }
    if (dto.fields !== undefined) {
      if (dto.action === 'delete') throw new ValidationFailedError([{ field: 'fields', message: 'does not apply to delete' }]);
      const errors = dto.fields
        .map((field, index) => ({ field, index }))
        .filter(({ field }) => !own.has(field) && !(dto.action === 'read' && (SYSTEM_FIELDS as readonly string[]).includes(field)))
        .map(({ field, index }) => ({ field: `fields[${index}]`, message: `"${field}" is not a field of "${schema.name}"` }));
      if (errors.length > 0) throw new ValidationFailedError(errors);
    }
    if (dto.presets !== undefined) {
      if (dto.action !== 'create') throw new ValidationFailedError([{ field: 'presets', message: 'apply to create only' }]);
      const errors = Object.keys(dto.presets)
        .filter((field) => !own.has(field))
        .map((field) => ({ field: `presets.${field}`, message: `"${field}" is not a field of "${schema.name}"` }));
      if (errors.length > 0) throw new ValidationFailedError(errors);
    }
  }

  /** After a local change committed: load it and tell the other nodes. */
  private async changed(): Promise<void> {
    await this.reload();
    await this.channels.publish(PERMISSIONS_CHANNEL, 'changed').catch((error: Error) => this.logger.warn(`could not announce a permissions change: ${error.message}`));
  }

}

function key(role: string, collection: string, action: string): string {
  return `${role}\u0000${collection}\u0000${action}`;
}

/** Replaces the variables "$user.id" and "$now" wherever they stand as a value. */
function substitute(value: unknown, userId: string, now: string): unknown {
  if (value === '$user.id') return userId;
  if (value === '$now') return now;
  if (Array.isArray(value)) return value.map((item) => substitute(item, userId, now));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, userId, now)]));
  return value;
}

function toRule(row: Permission): Rule {
  return {
    id: row.id,
    role: row.role as AccessRole,
    collection: row.collection,
    action: row.action as AccessAction,
    rowFilter: row.rowFilter ? (JSON.parse(row.rowFilter) as Record<string, unknown>) : null,
    fields: row.fields ? (JSON.parse(row.fields) as string[]) : null,
    presets: row.presets ? (JSON.parse(row.presets) as Record<string, unknown>) : null,
    createdAt: new Date(row.createdAt),
  };
}

function present(rule: Rule): PermissionResponse {
  return { ...rule, createdAt: rule.createdAt.toISOString() };
}

import { createHash } from 'node:crypto';
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
import { parseFilter } from 'src/modules/records/query/parse-filter';
import { substitute, type Variables } from './access-rules';
import { SYSTEM_FIELDS, type AccessAction, type CollectionView, type Grant } from './access.types';
import type { CreatePermissionDto, PermissionResponse, UpdatePermissionDto } from './dto/permission.dto';
import { buildGrant, type StoredRule } from './grant';
import { Permission } from './permission.entity';
import { RolesService } from './roles.service';

/** Stands in for "$user.id" when there is no user (anonymous callers) or when a rule is checked: a UUID no record has. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

type Rule = StoredRule;

type RuleBody = Pick<Rule, 'rowFilter' | 'fields' | 'presets' | 'check'>;

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
 * A caller acts with several roles (RolesService); the rules of all of them
 * for a collection and action are OR-merged (access-rules.ts).
 * No rule for any of the caller's roles: denied.
 */
@Injectable()
export class AccessService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AccessService');
  private rules = new Map<string, Rule>();
  /** Moves on every reload: a cache of something derived from the rules compares it. */
  private loaded = 0;
  /** A digest of every rule's content: the same on every node that loaded the same rules. */
  private digest = '';
  private resync?: NodeJS.Timeout;

  constructor(
    @InjectRepository(Permission) private readonly repository: Repository<Permission>,
    private readonly registry: CollectionsRegistry,
    private readonly channels: RedisChannels,
    private readonly roles: RolesService,
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
   * What `caller` (undefined: anonymous, role 'public') may do with `collection`,
   * merged over every role it acts with.
   * Throws 403 when no rule allows `action`, or 404 when `options.recordId` is set;
   * 409 for a create when two of its roles preset a field to different values.
   */
  authorize(caller: AuthUser | undefined, collection: string, action: AccessAction, options: AuthorizeOptions = {}): Grant {
    if (AccessService.unrestricted(caller)) return {};
    const roles = this.roles.rolesOf(caller);
    const rules = roles.map((role) => this.rules.get(key(role, collection, action))).filter((rule): rule is Rule => rule !== undefined);
    if (rules.length === 0) {
      if (options.recordId !== undefined) throw new NotFoundError(`No record ${JSON.stringify(options.recordId)} in "${collection}".`);
      throw new ForbiddenError(`${caller ? 'Your roles do' : 'Anonymous callers do'} not allow to ${action} records of "${collection}".`);
    }
    const schema = this.registry.get(collection);
    if (!schema) throw new NotFoundError(`No collection "${collection}".`);
    const vars: Variables = { userId: caller?.id ?? NO_USER, roles, now: new Date().toISOString() };
    // A field dropped under a rule: that rule grants nothing rather than opening up.
    return buildGrant(rules, action, schema, this.registry, vars, (rule, error) => this.logger.warn(`permission ${rule.id} no longer applies to "${collection}": ${error.message}`));
  }

  /** Changes whenever the rules may have. */
  get generation(): number {
    return this.loaded;
  }

  /** Changes exactly when the rules' content does, and is the same on every node holding the same rules (the read cache keys on it). */
  get fingerprint(): string {
    return this.digest;
  }

  /**
   * The roles `caller` acts with and their read rules on `collections`:
   * what the read cache needs to tell which callers see the same answers.
   */
  readRules(caller: AuthUser | undefined, collections: readonly string[]): { roles: string[]; rules: StoredRule[] } {
    const roles = this.roles.rolesOf(caller);
    const rules: StoredRule[] = [];
    for (const role of roles) {
      for (const collection of collections) {
        const rule = this.rules.get(key(role, collection, 'read'));
        if (rule) rules.push(rule);
      }
    }
    return { roles, rules };
  }

  /** What one role's own rules allow, by collection (for the per-role OpenAPI document). */
  roleView(role: string): Map<string, CollectionView> {
    const views = new Map<string, CollectionView>();
    for (const rule of this.rules.values()) {
      if (rule.role !== role) continue;
      const view: CollectionView = views.get(rule.collection) ?? {};
      views.set(rule.collection, { ...view, [rule.action]: { fields: rule.fields, presets: Object.keys(rule.presets ?? {}) } });
    }
    return views;
  }

  list(): PermissionResponse[] {
    return [...this.rules.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)).map(present);
  }

  get(id: string): PermissionResponse {
    const rule = [...this.rules.values()].find((r) => r.id === id);
    if (!rule) throw new NotFoundError(`No permission ${JSON.stringify(id)}.`);
    return present(rule);
  }

  async create(dto: CreatePermissionDto): Promise<PermissionResponse> {
    const schema = this.registry.get(dto.collection);
    if (!schema) throw new ValidationFailedError([{ field: 'collection', message: `"${dto.collection}" is not a collection` }]);
    await this.roles.reload();
    if (dto.role === 'admin') throw new ValidationFailedError([{ field: 'role', message: 'administrators bypass every rule; "admin" takes no permissions' }]);
    if (!this.roles.exists(dto.role)) throw new ValidationFailedError([{ field: 'role', message: `"${dto.role}" is not a role` }]);
    const body: RuleBody = { rowFilter: dto.rowFilter ?? null, fields: dto.fields ?? null, presets: dto.presets ?? null, check: dto.check ?? null };
    this.validate(dto.action, body, schema);
    await this.reload();
    if (this.rules.has(key(dto.role, dto.collection, dto.action))) {
      throw new ConflictError(ErrorCode.Conflict, `There is already a permission for ${dto.role} to ${dto.action} "${dto.collection}"; change it (PATCH) or delete it first.`);
    }
    const row = this.repository.create({ id: uuidv7(), role: dto.role, collection: dto.collection, action: dto.action, ...toColumns(body), createdAt: new Date() });
    await this.repository.insert(row);
    await this.changed();
    return present(toRule(row));
  }

  /** Changes a rule's row filter, fields, presets or check (null clears one); validated as a create is. */
  async update(id: string, dto: UpdatePermissionDto): Promise<PermissionResponse> {
    const row = await this.repository.findOneBy({ id });
    if (!row) throw new NotFoundError(`No permission ${JSON.stringify(id)}.`);
    const current = toRule(row);
    const schema = this.registry.get(current.collection);
    if (!schema) throw new NotFoundError(`The collection "${current.collection}" of this permission no longer exists.`);
    const body: RuleBody = {
      rowFilter: dto.rowFilter === undefined ? current.rowFilter : dto.rowFilter,
      fields: dto.fields === undefined ? current.fields : dto.fields,
      presets: dto.presets === undefined ? current.presets : dto.presets,
      check: dto.check === undefined ? current.check : dto.check,
    };
    this.validate(current.action, body, schema);
    await this.repository.update({ id }, toColumns(body));
    await this.changed();
    return this.get(id);
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
    this.digest = fingerprintOf(rules);
    this.loaded += 1;
  }

  /** Filters must parse against the collection, fields and presets must name its fields, each part only where it applies. */
  private validate(action: AccessAction, body: RuleBody, schema: CollectionSchema): void {
    const own = new Set(schema.fields.map((f) => f.name));
    const filter = (name: 'rowFilter' | 'check', value: Record<string, unknown>) => {
      try {
        parseFilter(substitute(value, { userId: NO_USER, roles: ['user'], now: new Date().toISOString() }), schema, this.registry, { param: name });
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw new ValidationFailedError([{ field: name, message: (error as Error).message }]);
      }
    };
    if (body.rowFilter !== null) {
      if (action === 'create') throw new ValidationFailedError([{ field: 'rowFilter', message: 'does not apply to create (use presets or check)' }]);
      filter('rowFilter', body.rowFilter);
    }
    if (body.check !== null) {
      if (action !== 'create' && action !== 'update') throw new ValidationFailedError([{ field: 'check', message: 'applies to create and update only' }]);
      filter('check', body.check);
    }
    if (body.fields !== null) {
      if (action === 'delete') throw new ValidationFailedError([{ field: 'fields', message: 'does not apply to delete' }]);
      const errors = body.fields
        .map((field, index) => ({ field, index }))
        .filter(({ field }) => !own.has(field) && !(action === 'read' && (SYSTEM_FIELDS as readonly string[]).includes(field)))
        .map(({ field, index }) => ({ field: `fields[${index}]`, message: `"${field}" is not a field of "${schema.name}"` }));
      if (errors.length > 0) throw new ValidationFailedError(errors);
    }
    if (body.presets !== null) {
      if (action !== 'create') throw new ValidationFailedError([{ field: 'presets', message: 'apply to create only' }]);
      const errors = Object.keys(body.presets)
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

function fingerprintOf(rules: Map<string, Rule>): string {
  const hash = createHash('sha256');
  for (const name of [...rules.keys()].sort()) {
    const rule = rules.get(name)!;
    hash.update(JSON.stringify([name, rule.id, rule.rowFilter, rule.fields, rule.presets, rule.check]));
  }
  return hash.digest('base64url');
}

function key(role: string, collection: string, action: string): string {
  return `${role}\u0000${collection}\u0000${action}`;
}

function toColumns(body: RuleBody): Pick<Permission, 'rowFilter' | 'fields' | 'presets' | 'check'> {
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  return { rowFilter: json(body.rowFilter), fields: json(body.fields), presets: json(body.presets), check: json(body.check) };
}

function toRule(row: Permission): Rule {
  const json = <T>(text: string | null): T | null => (text ? (JSON.parse(text) as T) : null);
  return {
    id: row.id,
    role: row.role,
    collection: row.collection,
    action: row.action as AccessAction,
    rowFilter: json(row.rowFilter),
    fields: json(row.fields),
    presets: json(row.presets),
    check: json(row.check),
    createdAt: new Date(row.createdAt),
  };
}

function present(rule: Rule): PermissionResponse {
  return { ...rule, createdAt: rule.createdAt.toISOString() };
}

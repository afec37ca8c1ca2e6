import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import { UsersService } from 'src/modules/users/users.service';
import { BUILT_IN_ROLES, effectiveRoles, isBuiltInRole } from './access-rules';
import type { CreateRoleDto, RoleResponse, UpdateRoleDto, UserRolesResponse } from './dto/role.dto';
import { Permission } from './permission.entity';
import { RoleRow } from './role.entity';
import { UserRole } from './user-role.entity';

const RESYNC_INTERVAL_MS = 30_000;
const ROLES_CHANNEL = 'roles';
/** A message about one user's roles; anything else on the channel means "reload everything". */
interface MembershipMessage {
  user: string;
  roles: string[];
}

/**
 * Custom roles and who holds them, in memory on every node so that no
 * request queries them. A change is written to the database, applied to this
 * node's memory, then announced on Redis (`<prefix>:roles`): a membership
 * change carries the user's new roles, which the other nodes apply as the
 * message arrives (no reload in between, so it takes effect at once); role
 * creation and deletion make them reload. Every node also reloads every 30 s
 * in case a message was lost.
 */
@Injectable()
export class RolesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RolesService');
  private roles = new Map<string, RoleRow>();
  private members = new Map<string, readonly string[]>();
  /** Memberships applied from messages, with when they arrived: a reload that started before them must not undo them. */
  private readonly recent = new Map<string, { roles: readonly string[]; at: number }>();
  private resync?: NodeJS.Timeout;
  private loading?: Promise<void>;
  private again = false;

  constructor(
    @InjectRepository(RoleRow) private readonly repository: Repository<RoleRow>,
    @InjectRepository(UserRole) private readonly memberships: Repository<UserRole>,
    @InjectRepository(Permission) private readonly permissions: Repository<Permission>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly channels: RedisChannels,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    const reload = () => void this.reload().catch((error) => this.logger.error({ err: error }, 'roles reload failed'));
    await this.channels.subscribe(ROLES_CHANNEL, (message) => this.receive(message, reload), reload);
    this.resync = setInterval(() => void this.reload().catch((error) => this.logger.warn(`roles resync failed: ${(error as Error).message}`)), RESYNC_INTERVAL_MS);
    this.resync.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.resync);
  }

  /** The roles `caller` acts with (memory only): ['public'] when anonymous. */
  rolesOf(caller: AuthUser | undefined): string[] {
    if (!caller) return effectiveRoles('public', []);
    return effectiveRoles(caller.role, this.members.get(caller.id) ?? []);
  }

  /** Whether `name` is a role (built-in or custom). */
  exists(name: string): boolean {
    return isBuiltInRole(name) || this.roles.has(name);
  }

  list(): RoleResponse[] {
    const builtIn = BUILT_IN_ROLES.map((name) => ({ name, description: BUILT_IN_DESCRIPTIONS[name], builtIn: true, createdAt: null }));
    const custom = [...this.roles.values()].sort((a, b) => a.name.localeCompare(b.name)).map(present);
    return [...builtIn, ...custom];
  }

  get(name: string): RoleResponse {
    const found = this.list().find((role) => role.name === name);
    if (!found) throw new NotFoundError(`No role ${JSON.stringify(name)}.`);
    return found;
  }

  async create(dto: CreateRoleDto): Promise<RoleResponse> {
    if (isBuiltInRole(dto.name)) throw new ValidationFailedError([{ field: 'name', message: `"${dto.name}" is a built-in role` }]);
    const row = this.repository.create({ name: dto.name, description: dto.description ?? null, createdAt: new Date() });
    const taken = () => new ConflictError(ErrorCode.Conflict, `There is already a role "${dto.name}".`);
    if (await this.repository.existsBy({ name: dto.name })) throw taken();
    try {
      await this.repository.insert(row);
    } catch (error) {
      // Created concurrently: the primary key refused the second one.
      if (await this.repository.existsBy({ name: dto.name })) throw taken();
      throw error;
    }
    await this.changed();
    return present(row);
  }

  async update(name: string, dto: UpdateRoleDto): Promise<RoleResponse> {
    if (isBuiltInRole(name)) throw new ConflictError(ErrorCode.Conflict, `"${name}" is a built-in role; it cannot be changed.`);
    if (dto.description !== undefined) {
      const result = await this.repository.update({ name }, { description: dto.description });
      if (!result.affected) throw new NotFoundError(`No role ${JSON.stringify(name)}.`);
    } else if (!(await this.repository.existsBy({ name }))) {
      throw new NotFoundError(`No role ${JSON.stringify(name)}.`);
    }
    await this.changed();
    return this.get(name);
  }

  /** Refused (409) while a permission names the role or a user holds it: withdraw those first. */
  async remove(name: string): Promise<void> {
    if (isBuiltInRole(name)) throw new ConflictError(ErrorCode.Conflict, `"${name}" is a built-in role; it cannot be deleted.`);
    if (!(await this.repository.existsBy({ name }))) throw new NotFoundError(`No role ${JSON.stringify(name)}.`);
    const [rules, holders] = await Promise.all([this.permissions.countBy({ role: name }), this.memberships.countBy({ role: name })]);
    if (rules > 0 || holders > 0) {
      throw new ConflictError(ErrorCode.RoleInUse, `The role "${name}" is still used by ${rules} permission(s) and held by ${holders} user(s); remove those first.`);
    }
    try {
      await this.repository.delete({ name });
    } catch {
      // The foreign key refused it: a user was given the role meanwhile.
      throw new ConflictError(ErrorCode.RoleInUse, `The role "${name}" was just given to a user; remove it from them first.`);
    }
    await this.changed();
  }

  async userRoles(userId: string): Promise<UserRolesResponse> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError(`No user ${JSON.stringify(userId)}.`);
    const rows = await this.memberships.find({ where: { userId }, order: { role: 'ASC' } });
    const roles = rows.map((row) => row.role);
    return { userId, roles, effective: effectiveRoles(user.role, roles) };
  }

  /** Replaces the custom roles a user holds; unknown and built-in roles are a 400 naming each. */
  async setUserRoles(userId: string, requested: string[]): Promise<UserRolesResponse> {
    await this.reload();
    const errors = requested.flatMap((role, index) => {
      if (isBuiltInRole(role)) return [{ field: `roles[${index}]`, message: `"${role}" is a built-in role and is not assigned here` }];
      if (!this.roles.has(role)) return [{ field: `roles[${index}]`, message: `"${role}" is not a role` }];
      return [];
    });
    if (errors.length > 0) throw new ValidationFailedError(errors, 'Some roles do not exist; nothing was changed.');
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError(`No user ${JSON.stringify(userId)}.`);
    const roles = [...new Set(requested)].sort();
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.delete(UserRole, { userId });
        if (roles.length > 0) await manager.insert(UserRole, roles.map((role) => ({ userId, role, createdAt: new Date() })));
      });
    } catch (error) {
      // A role deleted meanwhile (foreign key), or the user erased meanwhile.
      if (!(await this.users.findById(userId))) throw new NotFoundError(`No user ${JSON.stringify(userId)}.`);
      await this.reload();
      const gone = roles.filter((role) => !this.roles.has(role));
      if (gone.length > 0) throw new ValidationFailedError(gone.map((role) => ({ field: 'roles', message: `"${role}" is not a role` })), 'Some roles do not exist; nothing was changed.');
      throw error;
    }
    this.apply(userId, roles);
    await this.channels.publish(ROLES_CHANNEL, JSON.stringify({ user: userId, roles } satisfies MembershipMessage)).catch((error: Error) => this.logger.warn(`could not announce a role change: ${error.message}`));
    return { userId, roles, effective: effectiveRoles(user.role, roles) };
  }

  /**
   * Re-reads roles and memberships. One load at a time; a reload asked for
   * while one runs loads again after it (that one may have read before the
   * change), and the caller waits for that.
   */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const [roles, memberships] = await Promise.all([this.repository.find(), this.memberships.find()]);
    const members = new Map<string, string[]>();
    for (const row of memberships) {
      const list = members.get(row.userId) ?? [];
      list.push(row.role);
      members.set(row.userId, list);
    }
    for (const [userId, change] of this.recent) {
      if (change.at >= started) members.set(userId, [...change.roles]);
      else this.recent.delete(userId);
    }
    this.roles = new Map(roles.map((row) => [row.name, row]));
    this.members = members;
  }

  private receive(message: string, reload: () => void): void {
    let parsed: MembershipMessage | undefined;
    try {
      parsed = message.startsWith('{') ? (JSON.parse(message) as MembershipMessage) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed.user === 'string' && Array.isArray(parsed.roles)) this.apply(parsed.user, parsed.roles);
    else reload();
  }

  private apply(userId: string, roles: readonly string[]): void {
    this.recent.set(userId, { roles, at: Date.now() });
    this.members.set(userId, roles);
  }

  /** After a local change committed: load it and tell the other nodes. */
  private async changed(): Promise<void> {
    await this.reload();
    await this.channels.publish(ROLES_CHANNEL, 'changed').catch((error: Error) => this.logger.warn(`could not announce a roles change: ${error.message}`));
  }
}

const BUILT_IN_DESCRIPTIONS: Record<(typeof BUILT_IN_ROLES)[number], string> = {
  admin: 'Administrators: every rule is bypassed.',
  user: 'Every signed-in account.',
  public: 'Anonymous callers.',
};

function present(row: RoleRow): RoleResponse {
  return { name: row.name, description: row.description, builtIn: false, createdAt: new Date(row.createdAt).toISOString() };
}

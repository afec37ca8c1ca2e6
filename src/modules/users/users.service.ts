import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, QueryFailedError, Repository, type EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from 'src/common/errors/domain.error';
import { PageQueryDto } from 'src/common/pagination/page-query.dto';
import { UserListResponse, UserResponse } from './dto/user.response';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { Role } from 'src/common/decorators/roles.decorator';
import { User } from './user.entity';

export interface NewUser {
  email: string;
  /** null: no password; the account signs in only through an OpenID provider. */
  passwordHash: string | null;
  name?: string | null;
  role: Role;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async list(page: PageQueryDto): Promise<UserListResponse> {
    const [users, total] = await this.users.findAndCount({ order: { createdAt: 'DESC', id: 'ASC' }, take: page.limit, skip: page.offset });
    return { data: users.map(UserResponse.from), meta: { limit: page.limit, offset: page.offset, total } };
  }

  async get(id: string): Promise<UserResponse> {
    const user = await this.findById(id);
    if (!user) throw new NotFoundError(`No user with id ${id}.`);
    return UserResponse.from(user);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** With the password hash, for verifying credentials only. */
  findWithPasswordByEmail(email: string): Promise<User | null> {
    return this.users.createQueryBuilder('user').addSelect('user.passwordHash').where('user.email = :email', { email: normaliseEmail(email) }).getOne();
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normaliseEmail(email) });
  }

  /** Records that the owner proved the address; the first proof's time is kept. */
  async markEmailVerified(id: string, at = new Date()): Promise<void> {
    await this.users.update({ id, emailVerifiedAt: IsNull() }, { emailVerifiedAt: at });
  }

  countByRole(role: Role): Promise<number> {
    return this.users.countBy({ role });
  }

  /** With `manager`, inside the caller's transaction (the account and what the caller links to it commit together). */
  async create(input: NewUser, manager?: EntityManager): Promise<User> {
    const users = manager ? manager.getRepository(User) : this.users;
    const user = users.create({
      id: randomUUID(),
      email: normaliseEmail(input.email),
      passwordHash: input.passwordHash,
      name: input.name ?? null,
      role: input.role,
      disabled: false,
    });
    try {
      await users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(ErrorCode.EmailTaken, 'An account with this email already exists.');
      throw error;
    }
    return (await users.findOneBy({ id: user.id }))!;
  }

  /** With the password hash, for re-verifying the caller's password (password change). */
  findWithPasswordById(id: string): Promise<User | null> {
    return this.users.createQueryBuilder('user').addSelect('user.passwordHash').where('user.id = :id', { id }).getOne();
  }

  async setPasswordHash(id: string, passwordHash: string | null): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  /** Administrative changes: disable/enable, role. Returns the updated user, or null when there is none. */
  async updateAccount(id: string, changes: { disabled?: boolean; role?: Role }): Promise<User | null> {
    const patch: Partial<Pick<User, 'disabled' | 'role'>> = {};
    if (changes.disabled !== undefined) patch.disabled = changes.disabled;
    if (changes.role !== undefined) patch.role = changes.role;
    if (Object.keys(patch).length > 0) await this.users.update({ id }, patch);
    return this.findById(id);
  }

  /** Role and disabled flag of each of these users that exists (for checking live sessions against the database). */
  async statuses(ids: string[]): Promise<Map<string, { role: Role; disabled: boolean }>> {
    const found = new Map<string, { role: Role; disabled: boolean }>();
    if (ids.length === 0) return found;
    const rows = await this.users.find({ select: { id: true, role: true, disabled: true }, where: { id: In(ids) } });
    for (const row of rows) found.set(row.id, { role: row.role, disabled: Boolean(row.disabled) });
    return found;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; errno?: number };
  return driverError.code === '23505' || driverError.errno === 1062;
}

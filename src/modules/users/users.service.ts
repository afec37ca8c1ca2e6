import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { ConflictError, NotFoundError } from 'src/common/errors/domain.error';
import { PageQueryDto } from 'src/common/pagination/page-query.dto';
import { UserListResponse, UserResponse } from './dto/user.response';
import { ErrorCode } from 'src/common/errors/error-codes';
import type { Role } from 'src/common/decorators/roles.decorator';
import { User } from './user.entity';

export interface NewUser {
  email: string;
  passwordHash: string;
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

  countByRole(role: Role): Promise<number> {
    return this.users.countBy({ role });
  }

  async create(input: NewUser): Promise<User> {
    const user = this.users.create({
      id: randomUUID(),
      email: normaliseEmail(input.email),
      passwordHash: input.passwordHash,
      name: input.name ?? null,
      role: input.role,
      disabled: false,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(ErrorCode.EmailTaken, 'An account with this email already exists.');
      throw error;
    }
    return (await this.findById(user.id))!;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; errno?: number };
  return driverError.code === '23505' || driverError.errno === 1062;
}

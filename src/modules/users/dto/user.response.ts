import type { Role } from 'src/common/decorators/roles.decorator';
import type { User } from '../user.entity';

class PageMeta {
  limit: number;
  offset: number;
  total: number;
}

/** A user as the API shows it: never a password or its hash. */
export class UserResponse {
  id: string;
  email: string;
  name: string | null;
  /** `admin` or `user` */
  role: Role;
  createdAt: Date;

  static from(user: User): UserResponse {
    return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt };
  }
}

export class UserListResponse {
  data: UserResponse[];
  meta: PageMeta;
}

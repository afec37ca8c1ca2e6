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
  /** A disabled account cannot sign in; its sessions were ended when it was disabled. */
  disabled: boolean;
  /** Whether the owner confirmed the email address (POST /auth/verify-email) or reset the password through it. */
  emailVerified: boolean;
  createdAt: Date;
  /** The roles the account acts with: its role, then the custom roles it holds (given by /auth/me). */
  roles?: string[];
  /** Whether a TOTP second factor is enabled (given by /auth/me and sign-in answers). */
  mfaEnabled?: boolean;

  static from(user: User): UserResponse {
    return { id: user.id, email: user.email, name: user.name, role: user.role, disabled: Boolean(user.disabled), emailVerified: Boolean(user.emailVerifiedAt), createdAt: user.createdAt };
  }
}

export class UserListResponse {
  data: UserResponse[];
  meta: PageMeta;
}

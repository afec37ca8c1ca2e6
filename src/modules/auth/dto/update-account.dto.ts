import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { Role } from 'src/common/decorators/roles.decorator';

const ROLES: Role[] = ['admin', 'user'];

export class UpdateAccountDto {
  /** true ends every session of the account and refuses its tokens at once; false lets it sign in again. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /** Takes effect at once, also for access tokens already issued. */
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { DomainError, UnauthorizedError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { UsersService } from 'src/modules/users/users.service';
import type { ChangePasswordDto } from './dto/change-password.dto';
import { LoginThrottle } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';
import { assertAcceptablePassword } from './password-policy';
import { SessionControlService } from './session-control.service';
import type { ClientInfo } from './sessions.service';

@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionControlService,
  ) {}

  /**
   * Checks the current password (counted like a login, so a stolen access
   * token cannot be used to guess it), applies the password policy, stores
   * the new hash and ends every other session of the account.
   */
  async change(caller: AuthUser, dto: ChangePasswordDto, client: ClientInfo): Promise<void> {
    const user = await this.users.findWithPasswordById(caller.id);
    if (!user) throw new UnauthorizedError(ErrorCode.Unauthorized, 'The account no longer exists.');
    assertAcceptablePassword(dto.newPassword, { field: 'newPassword', email: user.email });
    if (dto.newPassword === dto.currentPassword) {
      throw new ValidationFailedError([{ field: 'newPassword', message: 'must differ from the current password' }]);
    }
    const attempt = await this.throttle.begin(user.email, client.ip);
    if (!(await this.passwords.verify(user.passwordHash, dto.currentPassword))) {
      this.throttle.failed(attempt, user.id);
      throw new DomainError(ErrorCode.WrongPassword, 400, 'Wrong password', 'The current password is wrong.', [
        { field: 'currentPassword', message: 'is not the current password' },
      ]);
    }
    await this.throttle.succeeded(attempt);
    await this.users.setPasswordHash(user.id, await this.passwords.hash(dto.newPassword));
    await this.sessions.endAllOf(user.id, caller.sessionId);
  }
}

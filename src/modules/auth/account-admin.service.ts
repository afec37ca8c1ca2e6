import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { DomainError, NotFoundError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { UserResponse } from 'src/modules/users/dto/user.response';
import { UsersService } from 'src/modules/users/users.service';
import type { UpdateAccountDto } from './dto/update-account.dto';
import { SessionControlService } from './session-control.service';
import { SessionRevocations } from './session-revocations.service';

/** Administrators disabling, enabling and changing the role of accounts. */
@Injectable()
export class AccountAdminService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionControlService,
    private readonly revocations: SessionRevocations,
  ) {}

  async update(caller: AuthUser, id: string, dto: UpdateAccountDto): Promise<UserResponse> {
    if (id === caller.id) {
      // Nobody locks themselves out; another administrator must do it.
      if (dto.disabled === true) throw ownAccount('disabled', 'You cannot disable your own account.');
      if (dto.role !== undefined && dto.role !== 'admin') throw ownAccount('role', 'You cannot remove your own administrator role.');
    }
    const before = await this.users.findById(id);
    if (!before) throw new NotFoundError(`No user with id ${id}.`);
    const user = await this.users.updateAccount(id, dto);
    if (!user) throw new NotFoundError(`No user with id ${id}.`);
    if (dto.disabled === true) {
      // The flag is committed first: a login racing with this either sees it or opens a session the next line ends.
      await this.revocations.userCutOff(id);
      await this.sessions.endAllOf(id);
    }
    if (dto.role !== undefined && dto.role !== before.role) await this.revocations.roleChanged(id, dto.role);
    return UserResponse.from(user);
  }
}

function ownAccount(field: string, detail: string): DomainError {
  return new DomainError(ErrorCode.CannotChangeOwnAccount, 400, 'Cannot change your own account', detail, [{ field, message: detail }]);
}

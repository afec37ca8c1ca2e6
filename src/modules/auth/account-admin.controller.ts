import { Body, Controller, Param, ParseUUIDPipe, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { Roles } from 'src/common/decorators/roles.decorator';
import { UserResponse } from 'src/modules/users/dto/user.response';
import { AccountAdminService } from './account-admin.service';
import { UpdateAccountDto } from './dto/update-account.dto';

/**
 * `PATCH /users/:id` lives in the auth module: disabling an account ends its
 * sessions, which only this module can do (the users module cannot import
 * auth without a cycle).
 */
@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'users', version: '1' })
export class AccountAdminController {
  constructor(private readonly accounts: AccountAdminService) {}

  /** Disable or enable an account, or change its role (administrators only; not your own disable or demotion). */
  @Patch(':id')
  update(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateAccountDto): Promise<UserResponse> {
    return this.accounts.update(caller, id, dto);
  }
}

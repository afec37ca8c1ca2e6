import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/decorators/roles.decorator';
import { PageQueryDto } from 'src/common/pagination/page-query.dto';
import { UserListResponse, UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Every account, newest first (administrators only). */
  @Get()
  list(@Query() page: PageQueryDto): Promise<UserListResponse> {
    return this.users.list(page);
  }

  /** One account (administrators only). */
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserResponse> {
    return this.users.get(id);
  }
}

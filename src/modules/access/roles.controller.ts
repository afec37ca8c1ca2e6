import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/decorators/roles.decorator';
import { CreateRoleDto, UpdateRoleDto, UserRolesDto, type RoleResponse, type UserRolesResponse } from './dto/role.dto';
import { RolesService } from './roles.service';

/** Custom roles that permissions are granted to. Administrators only. */
@ApiTags('roles')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'roles', version: '1' })
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  /** The built-in roles (admin, user, public) and every custom role. */
  @Get()
  list(): { data: RoleResponse[] } {
    return { data: this.roles.list() };
  }

  /** One role. */
  @Get(':name')
  get(@Param('name') name: string): RoleResponse {
    return this.roles.get(name);
  }

  /** Create a custom role. */
  @Post()
  create(@Body() dto: CreateRoleDto): Promise<RoleResponse> {
    return this.roles.create(dto);
  }

  /** Change a custom role's description. */
  @Patch(':name')
  update(@Param('name') name: string, @Body() dto: UpdateRoleDto): Promise<RoleResponse> {
    return this.roles.update(name, dto);
  }

  /** Delete a custom role; 409 while a permission names it or a user holds it. */
  @Delete(':name')
  @HttpCode(204)
  remove(@Param('name') name: string): Promise<void> {
    return this.roles.remove(name);
  }
}

/** Which custom roles a user holds. Administrators only. */
@ApiTags('roles')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'users/:id/roles', version: '1' })
export class UserRolesController {
  constructor(private readonly roles: RolesService) {}

  /** The custom roles a user holds and the roles it acts with. */
  @Get()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserRolesResponse> {
    return this.roles.userRoles(id);
  }

  /** Replace the custom roles a user holds; takes effect on every node at once. */
  @Put()
  set(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UserRolesDto): Promise<UserRolesResponse> {
    return this.roles.setUserRoles(id, dto.roles);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/decorators/roles.decorator';
import { AccessService } from './access.service';
import { CreatePermissionDto, type PermissionResponse } from './dto/permission.dto';

/** Record permissions for non-administrators (administrators bypass them). Administrators only. */
@ApiTags('permissions')
@ApiBearerAuth()
@Roles('admin')
@Controller({ path: 'permissions', version: '1' })
export class PermissionsController {
  constructor(private readonly access: AccessService) {}

  /** Every permission. */
  @Get()
  list(): { data: PermissionResponse[] } {
    return { data: this.access.list() };
  }

  /** Grant a role an action on a collection, with an optional row filter, field allow-list and create presets. */
  @Post()
  create(@Body() dto: CreatePermissionDto): Promise<PermissionResponse> {
    return this.access.create(dto);
  }

  /** Withdraw a permission; every node stops applying it at once. */
  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.access.remove(id);
  }
}

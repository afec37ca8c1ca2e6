import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from 'src/common/decorators/roles.decorator';
import { AccessService } from './access.service';
import { CreatePermissionDto, UpdatePermissionDto, type PermissionResponse } from './dto/permission.dto';

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

  /** One permission. */
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): PermissionResponse {
    return this.access.get(id);
  }

  /** Grant a role an action on a collection, with an optional row filter, field allow-list, create presets and write check. */
  @Post()
  create(@Body() dto: CreatePermissionDto): Promise<PermissionResponse> {
    return this.access.create(dto);
  }

  /** Change a permission's row filter, fields, presets or check (null clears one); every node applies it at once. */
  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdatePermissionDto): Promise<PermissionResponse> {
    return this.access.update(id, dto);
  }

  /** Withdraw a permission; every node stops applying it at once. */
  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.access.remove(id);
  }
}

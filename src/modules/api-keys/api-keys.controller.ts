import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListResponse, CreatedApiKeyResponse } from './dto/api-key.response';
import { ApiKeysQueryDto, CreateApiKeyDto } from './dto/create-api-key.dto';

/** API keys for machines. Managed by signed-in users only: an API key cannot manage keys (403). */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller({ path: 'api-keys', version: '1' })
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Create a key acting as the caller, limited to its scopes. The key is shown in this answer only. */
  @Post()
  create(@CurrentUser() caller: AuthUser, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.keys.create(caller, dto);
  }

  /** The caller's keys (never their secrets); `?all=true`: every user's (administrators). */
  @Get()
  list(@CurrentUser() caller: AuthUser, @Query() query: ApiKeysQueryDto): Promise<ApiKeyListResponse> {
    return this.keys.list(caller, query.all === 'true');
  }

  /** Revoke one of the caller's keys (`?all=true`: anyone's, administrators); refused at once on every node. */
  @Delete(':id')
  @HttpCode(204)
  revoke(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: ApiKeysQueryDto): Promise<void> {
    return this.keys.revoke(caller, id, query.all === 'true');
  }
}

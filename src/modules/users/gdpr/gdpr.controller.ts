import { Body, Controller, Delete, Get, HttpCode, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { EraseAccountDto } from './dto/erase-account.dto';
import { GdprService } from './gdpr.service';

/** The caller's own data: export and erasure (GDPR articles 15, 20 and 17). Not available to API keys. */
@ApiTags('users')
@ApiBearerAuth()
@Controller({ path: 'users/me', version: '1' })
export class GdprController {
  constructor(private readonly gdpr: GdprService) {}

  /** Everything Basalt holds about the caller, as a JSON file to download. */
  @Get('export')
  async export(@CurrentUser() caller: AuthUser, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown>> {
    reply.header('content-disposition', `attachment; filename="basalt-account-${caller.id}.json"`);
    reply.header('cache-control', 'no-store');
    return this.gdpr.export(caller);
  }

  /**
   * Erase the caller's account: `{password}`, or for an account without a
   * password a sign-in within the last 5 minutes. Every session and token
   * ends at once, on every node.
   */
  @Delete()
  @HttpCode(204)
  erase(@CurrentUser() caller: AuthUser, @Body() dto: EraseAccountDto, @Req() request: FastifyRequest): Promise<void> {
    return this.gdpr.erase(caller, dto.password, request.ip);
  }
}

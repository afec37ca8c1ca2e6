import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { SessionListResponse } from './dto/session.response';
import { PasswordChangeService } from './password-change.service';
import { SessionControlService } from './session-control.service';
import { MfaEnrolmentExempt } from './mfa/mfa-enrolment.guard';

/** The caller's own sessions and password. Ended sessions' access tokens are refused at once, on every node. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller({ path: 'auth', version: '1' })
export class SessionsController {
  constructor(
    private readonly sessions: SessionControlService,
    private readonly passwords: PasswordChangeService,
  ) {}

  /** End the caller's session: its access and refresh tokens stop working. */
  @Post('logout')
  @MfaEnrolmentExempt()
  @HttpCode(204)
  logout(@CurrentUser() caller: AuthUser): Promise<void> {
    return this.sessions.logout(caller);
  }

  /** End every session of the caller, this one included. */
  @Post('logout-all')
  @HttpCode(204)
  logoutAll(@CurrentUser() caller: AuthUser): Promise<void> {
    return this.sessions.logoutAll(caller);
  }

  /** The caller's live sessions, most recently used first; `current` marks this one. */
  @Get('sessions')
  list(@CurrentUser() caller: AuthUser): Promise<SessionListResponse> {
    return this.sessions.list(caller);
  }

  /** End one of the caller's sessions (404 for any session that is not the caller's and live). */
  @Delete('sessions/:id')
  @HttpCode(204)
  remove(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.remove(caller, id);
  }

  /** Change the caller's password; every other session of the account ends. */
  @Post('password')
  @HttpCode(204)
  changePassword(@CurrentUser() caller: AuthUser, @Body() dto: ChangePasswordDto, @Req() request: FastifyRequest): Promise<void> {
    return this.passwords.change(caller, dto, { userAgent: request.headers['user-agent'], ip: request.ip });
  }
}

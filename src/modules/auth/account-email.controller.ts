import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { Public } from 'src/common/decorators/public.decorator';
import { UserResponse } from 'src/modules/users/dto/user.response';
import { AccountEmailService } from './account-email.service';
import { AcceptedResponse } from './dto/accepted.response';
import { PasswordResetDto, PasswordResetRequestDto, VerifyEmailDto } from './dto/account-email.dto';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AccountEmailController {
  constructor(private readonly accountEmail: AccountEmailService) {}

  /**
   * Email the caller a new link confirming their address (older links stop working); 409 when it is already confirmed.
   * 429 with Retry-After past BASALT_EMAIL_REQUEST_MAX_PER_EMAIL (or _PER_IP) requests in the window.
   */
  @ApiBearerAuth()
  @Post('verify-email/request')
  @HttpCode(202)
  requestVerification(@CurrentUser() user: AuthUser, @Req() request: FastifyRequest): Promise<AcceptedResponse> {
    return this.accountEmail.requestVerification(user, request.ip);
  }

  /** Confirm an email address with the token from the link; answers the user. The same 400 for a wrong, expired or used token. */
  @Public()
  @Post('verify-email')
  @HttpCode(200)
  verifyEmail(@Body() dto: VerifyEmailDto): Promise<UserResponse> {
    return this.accountEmail.verifyEmail(dto.token);
  }

  /**
   * Email a password-reset link. Always 202 with the same body, whether or not the email belongs to an account;
   * past BASALT_EMAIL_REQUEST_MAX_PER_EMAIL (or _PER_IP) requests in the window, always 429 with Retry-After.
   */
  @Public()
  @Post('password-reset/request')
  @HttpCode(202)
  requestPasswordReset(@Body() dto: PasswordResetRequestDto, @Req() request: FastifyRequest): Promise<AcceptedResponse> {
    return this.accountEmail.requestPasswordReset(dto.email, request.ip);
  }

  /** Set a new password with the token from the link; every session of the account ends. The same 400 for a wrong, expired or used token. */
  @Public()
  @Post('password-reset')
  @HttpCode(200)
  resetPassword(@Body() dto: PasswordResetDto): Promise<UserResponse> {
    return this.accountEmail.resetPassword(dto);
  }
}

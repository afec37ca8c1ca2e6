import { Body, Controller, Delete, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { Public } from 'src/common/decorators/public.decorator';
import { TokenResponse } from 'src/modules/auth/dto/token.response';
import { MfaCodeDto, MfaProofDto, MfaVerifyDto } from './dto/mfa.dto';
import { TotpConfirmationResponse, TotpEnrolmentResponse } from './dto/mfa.response';
import { MfaEnrolmentExempt } from './mfa-enrolment.guard';
import { MfaLoginService } from './mfa-login.service';
import { MfaService } from './mfa.service';

/** TOTP second factor: enrolment, removal, and the second step of a login. */
@ApiTags('auth')
@Controller({ path: 'auth/mfa', version: '1' })
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly login: MfaLoginService,
  ) {}

  /** Start TOTP enrolment: a new secret and its otpauth:// URI (draw it as a QR code), shown this once. */
  @ApiBearerAuth()
  @MfaEnrolmentExempt()
  @Post('totp')
  @HttpCode(201)
  enrol(@CurrentUser() caller: AuthUser): Promise<TotpEnrolmentResponse> {
    return this.mfa.enrol(caller);
  }

  /** Confirm enrolment with a first code: TOTP is enabled and ten one-time recovery codes are returned. */
  @ApiBearerAuth()
  @MfaEnrolmentExempt()
  @Post('totp/confirm')
  @HttpCode(200)
  confirm(@CurrentUser() caller: AuthUser, @Body() dto: MfaCodeDto): Promise<TotpConfirmationResponse> {
    return this.mfa.confirm(caller, dto.code);
  }

  /** Disable TOTP, proving it with a current code or a recovery code. */
  @ApiBearerAuth()
  @Delete('totp')
  @HttpCode(204)
  disable(@CurrentUser() caller: AuthUser, @Body() dto: MfaProofDto, @Req() request: FastifyRequest): Promise<void> {
    return this.mfa.disable(caller, dto, request.ip);
  }

  /** Second step of a login: the `mfaToken` from /auth/login and a code (or a recovery code) → the token pair. */
  @Public()
  @Post('verify')
  @HttpCode(200)
  verify(@Body() dto: MfaVerifyDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.login.verify(dto, { userAgent: request.headers['user-agent'], ip: request.ip });
  }
}

import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentUser, type AuthUser } from 'src/common/decorators/current-user.decorator';
import { Public } from 'src/common/decorators/public.decorator';
import { UserResponse } from 'src/modules/users/dto/user.response';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenResponse } from './dto/token.response';
import type { ClientInfo } from './sessions.service';
import { MfaChallengeResponse } from './mfa/dto/mfa.response';
import { MfaEnrolmentExempt } from './mfa/mfa-enrolment.guard';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Create an account (role `user`) and sign it in. */
  @Public()
  @Post('register')
  register(@Body() dto: RegisterDto, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return this.auth.register(dto, clientInfo(request));
  }

  /** Exchange email and password for an access token and a refresh token — or, with TOTP enabled, `{mfaRequired, mfaToken}` for POST /auth/mfa/verify. */
  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest): Promise<TokenResponse | MfaChallengeResponse> {
    return this.auth.login(dto, clientInfo(request));
  }

  /** Exchange a refresh token for a new pair; the old refresh token stops working. */
  @Public()
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto): Promise<TokenResponse> {
    return this.auth.refresh(dto.refreshToken);
  }

  /** The signed-in user. */
  @ApiBearerAuth()
  @MfaEnrolmentExempt()
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<UserResponse> {
    return this.auth.me(user);
  }
}

function clientInfo(request: FastifyRequest): ClientInfo {
  return { userAgent: request.headers['user-agent'], ip: request.ip };
}

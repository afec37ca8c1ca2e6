import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiFoundResponse, ApiOkResponse, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from 'src/config/app-config';
import { Public } from 'src/common/decorators/public.decorator';
import { TokenResponse } from '../dto/token.response';
import { MfaChallengeResponse } from '../mfa/dto/mfa.response';
import type { ClientInfo } from '../sessions.service';
import { OidcAuthorizeQueryDto } from './dto/oidc-authorize-query.dto';
import { OidcProvidersResponse } from './dto/oidc-providers.response';
import { OidcService } from './oidc.service';
import { bindingCookie, bindingFromCookies } from './oidc-redirect';
import { OIDC_STATE_TTL_SECONDS } from './oidc-state.store';

const COOKIE_PATH = '/api/v1/auth/oidc';

@ApiTags('auth')
@Controller({ path: 'auth/oidc', version: '1' })
export class OidcController {
  constructor(
    private readonly oidc: OidcService,
    private readonly config: AppConfig,
  ) {}

  /** The OpenID Connect providers this server accepts sign-ins from. */
  @Public()
  @Get()
  list(): OidcProvidersResponse {
    return this.oidc.list();
  }

  /**
   * Starts a sign-in: redirects (302) the browser to the provider, with PKCE, state and nonce.
   * Navigate the browser here; do not call it with fetch. `redirect` must lie under the provider's `appRedirectUri`.
   */
  @Public()
  @Get(':provider/authorize')
  @ApiFoundResponse({ description: 'To the provider’s authorization endpoint.' })
  async authorize(
    @Param('provider') provider: string,
    @Query() query: OidcAuthorizeQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const started = await this.oidc.authorize(provider, query.redirect, bindingFromCookies(request.headers.cookie));
    reply
      .status(302)
      .header('location', started.location)
      .header('cache-control', 'no-store')
      .header('set-cookie', bindingCookie(started.binding, OIDC_STATE_TTL_SECONDS, this.config.publicUrl.startsWith('https:'), COOKIE_PATH));
  }

  /**
   * Where the provider sends the browser back. Answers Basalt's token pair as JSON — or, when the account has TOTP
   * enabled, `{mfaRequired, mfaToken}` for POST /auth/mfa/verify, exactly as /auth/login does. When the sign-in was
   * started with an allowed `redirect`, a 302 to it with that answer in the URL fragment.
   */
  @Public()
  @Get(':provider/callback')
  @ApiQuery({ name: 'state', required: true, description: 'As sent to the provider by authorize: single-use, ten minutes.' })
  @ApiQuery({ name: 'code', required: false, description: 'The authorization code (absent when the provider answers `error`).' })
  @ApiQuery({ name: 'error', required: false, description: 'Set by the provider when it did not authorize the sign-in.' })
  @ApiExtraModels(TokenResponse, MfaChallengeResponse)
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(TokenResponse) }, { $ref: getSchemaPath(MfaChallengeResponse) }] } })
  @ApiFoundResponse({ description: 'To the app: `<redirect>#accessToken=…&refreshToken=…&expiresIn=…`, or `#mfaRequired=true&mfaToken=…&mfaExpiresIn=…`.' })
  async callback(
    @Param('provider') provider: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse | MfaChallengeResponse | undefined> {
    reply.header('cache-control', 'no-store');
    const question = request.url.indexOf('?');
    const callbackQuery = question < 0 ? '' : request.url.slice(question + 1);
    const finished = await this.oidc.callback(provider, callbackQuery, bindingFromCookies(request.headers.cookie), clientInfo(request));
    if (!finished.redirect) return finished.answer;
    reply.status(302).header('location', finished.redirect);
    return undefined;
  }
}

function clientInfo(request: FastifyRequest): ClientInfo {
  return { userAgent: request.headers['user-agent'], ip: request.ip };
}

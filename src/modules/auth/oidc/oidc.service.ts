import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { DomainError, ForbiddenError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { UsersService } from 'src/modules/users/users.service';
import { AuthService } from '../auth.service';
import type { TokenResponse } from '../dto/token.response';
import type { MfaChallengeResponse } from '../mfa/dto/mfa.response';
import type { ClientInfo } from '../sessions.service';
import type { OidcProvidersResponse } from './dto/oidc-providers.response';
import { OidcAccountsService } from './oidc-accounts.service';
import { OidcProviders } from './oidc-providers';
import { allowedAppRedirect, withAnswerInFragment } from './oidc-redirect';
import { OidcStateStore, type PendingSignIn } from './oidc-state.store';

export interface StartedSignIn {
  /** The provider's authorization URL, for a 302. */
  location: string;
  /** The browser-binding value the callback must see again in a cookie. */
  binding: string;
}

export interface FinishedSignIn {
  /** The token pair, or, for an account with a second factor, the challenge POST /auth/mfa/verify finishes. */
  answer: TokenResponse | MfaChallengeResponse;
  /** The app URL with that answer in its fragment, when the flow asked for one. */
  redirect?: string;
}

/**
 * Sign-in with OpenID Connect: the authorization-code flow with PKCE (S256),
 * state and nonce kept server-side (single-use, ten minutes) and bound to the
 * browser that started it, then Basalt's own session and token pair.
 */
@Injectable()
export class OidcService {
  constructor(
    private readonly providers: OidcProviders,
    private readonly states: OidcStateStore,
    private readonly accounts: OidcAccountsService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  list(): OidcProvidersResponse {
    return {
      providers: this.providers.names().map((name) => ({ name, authorizeUrl: `${this.config.publicUrl}/api/v1/auth/oidc/${name}/authorize` })),
    };
  }

  /** Starts a flow: checks the app redirect, keeps the flow's secrets, and returns where to send the browser. */
  async authorize(provider: string, redirect: string | undefined, binding: string | undefined): Promise<StartedSignIn> {
    const settings = this.providers.settings(provider);
    let appRedirect: string | undefined;
    if (redirect !== undefined) {
      appRedirect = allowedAppRedirect(redirect, settings.appRedirectUri);
      if (!appRedirect) {
        throw new DomainError(
          ErrorCode.OidcRedirectRefused,
          400,
          'Redirect refused',
          settings.appRedirectUri
            ? `redirect must be a URL under ${settings.appRedirectUri} (same scheme, host and port, a path below it, no fragment).`
            : `The provider "${provider}" has no appRedirectUri configured, so sign-ins through it cannot redirect to an app.`,
        );
      }
    }
    const request = this.providers.newAuthorizationRequest();
    const browser = binding ?? randomBytes(32).toString('base64url');
    const location = await this.providers.authorizationUrl(provider, request);
    const pending: PendingSignIn = { provider, codeVerifier: request.codeVerifier, nonce: request.nonce, bindingHash: sha256(browser), appRedirect };
    await this.redis(() => this.states.put(request.state, pending));
    return { location, binding: browser };
  }

  /** Finishes a flow from the provider's redirect back: state, code exchange, ID token, account, tokens. */
  async callback(provider: string, callbackQuery: string, binding: string | undefined, client: ClientInfo): Promise<FinishedSignIn> {
    this.providers.settings(provider);
    const state = new URLSearchParams(callbackQuery).get('state');
    if (!state) throw invalidState('The callback has no state parameter.');
    const pending = await this.redis(() => this.states.take(state));
    if (!pending) throw invalidState('The sign-in state is unknown, expired or already used; start the sign-in again.');
    if (pending.provider !== provider) throw invalidState(`The sign-in was started with another provider than "${provider}".`);
    if (!binding || !timingSafeEqual(Buffer.from(sha256(binding)), Buffer.from(pending.bindingHash))) {
      throw invalidState('The sign-in was started in another browser (its cookie is missing); start the sign-in again.');
    }

    const identity = await this.providers.exchange(provider, callbackQuery, { state, nonce: pending.nonce, codeVerifier: pending.codeVerifier });
    const userId = await this.accounts.resolve(provider, identity);
    const user = await this.users.findById(userId);
    if (!user || user.disabled) throw new ForbiddenError('This account is disabled.');
    // The provider is a first factor like a password: a confirmed TOTP factor is still asked for.
    const answer = await this.auth.afterFirstFactor(user, client);
    return { answer, redirect: pending.appRedirect ? withAnswerInFragment(pending.appRedirect, answer) : undefined };
  }

  private async redis<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch {
      throw new DomainError(ErrorCode.ServiceUnavailable, 503, 'Service unavailable', 'Sign-in state cannot be kept right now (Redis does not answer); try again shortly.');
    }
  }
}

function invalidState(detail: string): DomainError {
  return new DomainError(ErrorCode.OidcInvalidState, 400, 'Invalid sign-in state', detail);
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

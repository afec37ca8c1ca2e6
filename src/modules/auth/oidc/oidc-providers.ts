import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from 'src/config/app-config';
import { isLoopback, type OidcProviderSettings } from 'src/config/oidc-providers';
import { DomainError, NotFoundError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';

/** Seconds each request to a provider (discovery, token, JWKS, userinfo) may take. */
const PROVIDER_TIMEOUT_SECONDS = 10;
/** Once discovery failed, how long before the next request tries again, milliseconds. */
const DISCOVERY_RETRY_MS = 5_000;

/** Who the provider says signed in, from the validated ID token (and userinfo when the token lacks the email). */
export interface ProviderIdentity {
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
}

export interface AuthorizationRequest {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** ID-token and response checks openid-client failed: the callback is refused, not the provider's fault. */
const VALIDATION_FAILURES = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
  'OAUTH_INVALID_REQUEST',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

/**
 * The configured OpenID providers and the protocol against them
 * (openid-client). Each provider's metadata is discovered on first use and
 * kept, so Basalt starts even while a provider is down; a failed discovery
 * is retried by a later request.
 */
@Injectable()
export class OidcProviders {
  private readonly logger = new Logger('Oidc');
  private readonly byName: Map<string, OidcProviderSettings>;
  private readonly discovered = new Map<string, { config: Promise<oidc.Configuration>; failedAt?: number }>();

  constructor(private readonly config: AppConfig) {
    this.byName = new Map(config.oidc.providers.map((provider) => [provider.name, provider]));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  settings(name: string): OidcProviderSettings {
    const settings = this.byName.get(name);
    if (!settings) throw new NotFoundError(`No OpenID provider named "${name}" is configured.`);
    return settings;
  }

  /** The redirect_uri registered at the provider: <BASALT_PUBLIC_URL>/api/v1/auth/oidc/<name>/callback. */
  callbackUrl(name: string): string {
    return `${this.config.publicUrl}/api/v1/auth/oidc/${name}/callback`;
  }

  /** Fresh secrets for one flow: state, nonce and PKCE verifier (256 random bits each). */
  newAuthorizationRequest(): AuthorizationRequest {
    return { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
  }

  /** The provider's authorization URL for this flow: code flow, PKCE S256, state and nonce. */
  async authorizationUrl(name: string, request: AuthorizationRequest): Promise<string> {
    const settings = this.settings(name);
    const config = await this.configuration(settings);
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: this.callbackUrl(name),
        response_type: 'code',
        scope: settings.scopes.join(' '),
        state: request.state,
        nonce: request.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /**
   * Validates the authorization response (state, iss), exchanges the code
   * with the PKCE verifier, and validates the ID token (signature, issuer,
   * audience, expiry, nonce).
   */
  async exchange(name: string, callbackQuery: string, request: AuthorizationRequest): Promise<ProviderIdentity> {
    const settings = this.settings(name);
    const config = await this.configuration(settings);
    const current = new URL(this.callbackUrl(name));
    current.search = callbackQuery;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new DomainError(ErrorCode.OidcCallbackRefused, 400, 'Sign-in refused', 'The provider returned no ID token.');
      let source: Record<string, unknown> = claims;
      if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
        // Many providers put profile claims only in userinfo; it must describe the same subject.
        source = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)) };
      }
      return {
        subject: claims.sub,
        email: typeof source.email === 'string' && source.email.length > 0 ? source.email : undefined,
        emailVerified: source.email_verified === true || source.email_verified === 'true',
        name: typeof source.name === 'string' ? source.name : typeof claims.name === 'string' ? claims.name : undefined,
      };
    } catch (error) {
      throw this.toDomainError(name, error);
    }
  }

  private configuration(settings: OidcProviderSettings): Promise<oidc.Configuration> {
    const cached = this.discovered.get(settings.name);
    if (cached && (cached.failedAt === undefined || Date.now() - cached.failedAt < DISCOVERY_RETRY_MS)) return cached.config;
    const issuer = new URL(settings.issuer);
    const entry: { config: Promise<oidc.Configuration>; failedAt?: number } = {
      config: oidc
        .discovery(
          issuer,
          settings.clientId,
          settings.clientSecret ? { client_secret: settings.clientSecret } : undefined,
          settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None(),
          {
            timeout: PROVIDER_TIMEOUT_SECONDS,
            // Validated config allows http:// only to loopback issuers (development and tests).
            execute: issuer.protocol === 'http:' && isLoopback(issuer.hostname) ? [oidc.allowInsecureRequests] : [],
          },
        )
        .catch((error: unknown) => {
          entry.failedAt = Date.now();
          this.logger.warn(`discovery of OpenID provider "${settings.name}" (${settings.issuer}) failed: ${describe(error)}`);
          throw new DomainError(
            ErrorCode.OidcProviderUnavailable,
            502,
            'Provider unavailable',
            `The OpenID provider "${settings.name}" could not be reached or answered unexpectedly; try again later.`,
          );
        }),
    };
    this.discovered.set(settings.name, entry);
    return entry.config;
  }

  private toDomainError(name: string, error: unknown): Error {
    if (error instanceof DomainError) return error;
    const refused = (detail: string) => new DomainError(ErrorCode.OidcCallbackRefused, 400, 'Sign-in refused', detail);
    if (error instanceof oidc.AuthorizationResponseError) {
      return refused(`The provider did not authorize the sign-in: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}.`);
    }
    if (error instanceof oidc.ResponseBodyError) {
      return refused(`The provider refused the authorization code: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}.`);
    }
    const code = (error as { code?: unknown }).code;
    if (error instanceof oidc.ClientError && typeof code === 'string' && VALIDATION_FAILURES.has(code)) {
      return refused(`The provider's answer failed validation: ${describe(error)}.`);
    }
    this.logger.warn(`OpenID provider "${name}": ${describe(error)}`);
    return new DomainError(ErrorCode.OidcProviderUnavailable, 502, 'Provider unavailable', `The OpenID provider "${name}" could not be reached or answered unexpectedly; try again later.`);
  }
}

/** An error's message with its cause's (openid-client puts the specific check in the cause). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

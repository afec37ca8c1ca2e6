import { ValidateBy, type ValidationArguments } from 'class-validator';

/** One OpenID Connect provider users may sign in with (an entry of BASALT_OIDC_PROVIDERS). */
export interface OidcProviderSettings {
  /** Lowercase, used in the routes: /auth/oidc/<name>/authorize. */
  name: string;
  /** The issuer identifier; its /.well-known/openid-configuration is discovered on first use. */
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE only, no client authentication). */
  clientSecret?: string;
  /** Always includes `openid`. */
  scopes: string[];
  /** Where the callback may send the browser back with the tokens: `?redirect=` must start with this URL. */
  appRedirectUri?: string;
}

export const DEFAULT_OIDC_SCOPES = ['openid', 'email', 'profile'];
const MAX_PROVIDERS = 20;
const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** RFC 6749 scope-token characters. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const KEYS = new Set(['name', 'issuer', 'clientId', 'clientSecret', 'scopes', 'appRedirectUri']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const REFUSED_APP_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * Parses BASALT_OIDC_PROVIDERS (a JSON array). Returns the providers, or every
 * problem found (never quoting a client secret).
 */
export function parseOidcProviders(raw: string | undefined): { providers: OidcProviderSettings[]; problems: string[] } {
  if (raw === undefined || raw.trim() === '') return { providers: [], problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { providers: [], problems: ['must be a JSON array of {name, issuer, clientId, clientSecret?, scopes?, appRedirectUri?}'] };
  }
  if (!Array.isArray(parsed)) return { providers: [], problems: ['must be a JSON array of {name, issuer, clientId, clientSecret?, scopes?, appRedirectUri?}'] };
  if (parsed.length > MAX_PROVIDERS) return { providers: [], problems: [`at most ${MAX_PROVIDERS} providers`] };

  const problems: string[] = [];
  const providers: OidcProviderSettings[] = [];
  const names = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const at = `[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const item = entry as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(item)) if (!KEYS.has(key)) problems.push(`${at}.${key} is not a known setting`);

    const name = item.name;
    if (typeof name !== 'string' || !NAME.test(name)) problems.push(`${at}.name must be 1-40 lowercase letters, digits, "-" or "_"`);
    else if (names.has(name)) problems.push(`${at}.name "${name}" is used twice`);
    else names.add(name);

    const issuer = item.issuer;
    const issuerWrong = typeof issuer === 'string' ? issuerProblem(issuer) : 'must be a URL';
    if (issuerWrong) problems.push(`${at}.issuer ${issuerWrong}`);

    if (typeof item.clientId !== 'string' || item.clientId.length === 0 || item.clientId.length > 512) problems.push(`${at}.clientId must be a non-empty string`);
    if (item.clientSecret !== undefined && (typeof item.clientSecret !== 'string' || item.clientSecret.length === 0)) {
      problems.push(`${at}.clientSecret must be a non-empty string when set`);
    }

    let scopes = DEFAULT_OIDC_SCOPES;
    if (item.scopes !== undefined) {
      if (!Array.isArray(item.scopes) || item.scopes.some((s) => typeof s !== 'string' || !SCOPE.test(s))) {
        problems.push(`${at}.scopes must be an array of scope names`);
      } else {
        scopes = [...new Set(['openid', ...(item.scopes as string[])])];
      }
    }

    const app = item.appRedirectUri;
    if (app !== undefined && (typeof app !== 'string' || appRedirectProblem(app))) {
      problems.push(`${at}.appRedirectUri ${typeof app === 'string' ? appRedirectProblem(app) : 'must be a URL'}`);
    }

    if (problems.length === before) {
      providers.push({
        name: name as string,
        issuer: issuer as string,
        clientId: item.clientId as string,
        ...(item.clientSecret !== undefined ? { clientSecret: item.clientSecret as string } : {}),
        scopes,
        ...(app !== undefined ? { appRedirectUri: app as string } : {}),
      });
    }
  });
  return problems.length > 0 ? { providers: [], problems } : { providers, problems };
}

/** Why an issuer cannot be used, or undefined when it can. */
function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'must be a URL';
  }
  if (url.search || url.hash || url.username || url.password) return 'must be a URL without credentials, query or fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return 'must be an https:// URL (http:// only on localhost, 127.0.0.1 or [::1])';
}

/** http:// is allowed only to the machine itself (development, tests). */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** Why an app redirect base cannot be used, or undefined when it can. */
function appRedirectProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (REFUSED_APP_SCHEMES.has(url.protocol)) return `must not use ${url.protocol}`;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.host) return 'must name a host';
  if (url.search || url.hash || url.username || url.password || value.includes('#')) return 'must not contain credentials, a query or a fragment';
  return undefined;
}

/** class-validator decorator for BASALT_OIDC_PROVIDERS: the message lists every problem. */
export function IsOidcProviders(): PropertyDecorator {
  return ValidateBy({
    name: 'isOidcProviders',
    validator: {
      validate: (value: unknown) => value === undefined || (typeof value === 'string' && parseOidcProviders(value).problems.length === 0),
      defaultMessage: (args?: ValidationArguments) =>
        typeof args?.value === 'string' ? parseOidcProviders(args.value).problems.join('; ') : 'must be a JSON array',
    },
  });
}

/**
 * Pure helpers for the browser side of the OIDC flow: which app URLs the
 * callback may send the browser to (never an open redirect), the token
 * fragment, and the cookie that binds a flow to the browser that started it.
 */

/**
 * The requested app URL, normalised, when it lies under the provider's
 * configured `appRedirectUri`: same scheme, host and port, no credentials or
 * fragment, and a path equal to the configured one or below it on a `/`
 * boundary (so `https://app.example/cb` allows `/cb` and `/cb/x`, not
 * `/cbx`, and never `https://app.example.evil/…`). Undefined otherwise.
 */
export function allowedAppRedirect(requested: string, allowedBase: string | undefined): string | undefined {
  if (!allowedBase || requested.length > 2048 || requested.includes('#')) return undefined;
  let url: URL;
  let base: URL;
  try {
    url = new URL(requested);
    base = new URL(allowedBase);
  } catch {
    return undefined;
  }
  if (url.protocol !== base.protocol || url.host !== base.host) return undefined;
  if (url.username || url.password) return undefined;
  if (!pathWithin(url.pathname, base.pathname)) return undefined;
  // Relative URLs, schemes and hosts were all settled by the parser: what goes out is the normalised form.
  return url.href;
}

function pathWithin(path: string, basePath: string): boolean {
  if (path === basePath) return true;
  if (basePath === '' || basePath.endsWith('/')) return path.startsWith(basePath);
  return path.startsWith(`${basePath}/`);
}

export interface FragmentTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface FragmentMfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  mfaExpiresIn: number;
}

/**
 * `<app url>#accessToken=…&refreshToken=…&expiresIn=…`, or, when the account
 * has a second factor, `#mfaRequired=true&mfaToken=…&mfaExpiresIn=…` for the
 * app to finish with POST /auth/mfa/verify. A fragment never reaches a server
 * or a Referer header.
 */
export function withAnswerInFragment(appUrl: string, answer: FragmentTokens | FragmentMfaChallenge): string {
  const fields: Record<string, string> =
    'mfaRequired' in answer
      ? { mfaRequired: 'true', mfaToken: answer.mfaToken, mfaExpiresIn: String(answer.mfaExpiresIn) }
      : { accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresIn: String(answer.expiresIn) };
  return `${appUrl}#${new URLSearchParams(fields).toString()}`;
}

export const BINDING_COOKIE = 'basalt_oidc';
const BINDING_VALUE = /^[A-Za-z0-9_-]{32,128}$/;

/** The browser-binding value from a Cookie header, when present and well formed. */
export function bindingFromCookies(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== BINDING_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (BINDING_VALUE.test(value)) return value;
  }
  return undefined;
}

/** Set-Cookie for the binding: HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back), only on the OIDC routes. */
export function bindingCookie(value: string, maxAgeSeconds: number, secure: boolean, path: string): string {
  return `${BINDING_COOKIE}=${value}; Max-Age=${maxAgeSeconds}; Path=${path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

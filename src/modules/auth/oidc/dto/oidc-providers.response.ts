export class OidcProviderEntry {
  /** The name in BASALT_OIDC_PROVIDERS. @example google */
  name: string;
  /** Send the browser here (a full navigation, not fetch) to sign in with this provider. */
  authorizeUrl: string;
}

export class OidcProvidersResponse {
  providers: OidcProviderEntry[];
}

import type { ApiKeyAction } from 'src/common/decorators/current-user.decorator';

class ApiKeyScopeResponse {
  collection: string;
  actions: ApiKeyAction[];
}

/** An API key as listed: never its secret. */
export class ApiKeyResponse {
  id: string;
  /** The owner: the key acts as this user, limited to its scopes. */
  userId: string;
  name: string;
  scopes: ApiKeyScopeResponse[];
  createdAt: Date;
  expiresAt: Date | null;
  /** Updated at most once a minute. */
  lastUsedAt: Date | null;
}

/** The key as created: `key` is shown this once and never again. */
export class CreatedApiKeyResponse extends ApiKeyResponse {
  /** `bsk_<id>_<secret>`: send it as `X-API-Key` or `Authorization: Bearer`. */
  key: string;
}

export class ApiKeyListResponse {
  data: ApiKeyResponse[];
}

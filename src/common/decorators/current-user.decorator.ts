import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './roles.decorator';

/** Who is calling, as the authentication guard established it. */
export interface AuthUser {
  id: string;
  role: Role;
  sessionId: string;
  /** The access token's `mfa` claim: the account had a confirmed TOTP factor when the token was issued. */
  mfa?: boolean;
  /** Set when the caller authenticated with an API key (then `sessionId` is empty): the key's id and scopes. */
  apiKey?: ApiKeyGrant;
}

export type ApiKeyAction = 'read' | 'create' | 'update' | 'delete';

/** One scope of an API key: a collection name or `*`, and the actions allowed on it. */
export interface ApiKeyScope {
  collection: string;
  actions: ApiKeyAction[];
}

export interface ApiKeyGrant {
  id: string;
  scopes: ApiKeyScope[];
}

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  return context.switchToHttp().getRequest<{ user: AuthUser }>().user;
});

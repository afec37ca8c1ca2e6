import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { API_KEY_ACCESS, type ApiKeyAccessKind } from 'src/common/decorators/api-key-access.decorator';
import { ACCEPTS_QUERY_TOKEN } from 'src/common/decorators/query-token.decorator';
import { IS_OPTIONAL_AUTH } from 'src/common/decorators/optional-auth.decorator';
import { IS_PUBLIC } from 'src/common/decorators/public.decorator';
import { DomainError, UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { presentedApiKey } from 'src/modules/api-keys/api-key-format';
import { ApiKeyAuthenticator } from 'src/modules/api-keys/api-key-authenticator.service';
import { SessionRevocations } from './session-revocations.service';

/**
 * Global: every route needs a valid bearer token unless marked @Public(). An
 * API key (`X-API-Key`, or `Authorization: Bearer bsk_…`) is accepted instead
 * on routes marked @ApiKeyAccess(), within its scopes; elsewhere it gets 403.
 * Routes marked @OptionalAuth() also admit callers presenting no credential.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly revocations: SessionRevocations,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined>; method: string; params?: unknown; body?: unknown; query?: Record<string, unknown>; user?: unknown }>();
    const queryToken = request.query?.access_token;
    if (request.headers.authorization === undefined && typeof queryToken === 'string' && this.reflector.getAllAndOverride<boolean>(ACCEPTS_QUERY_TOKEN, [context.getHandler(), context.getClass()])) {
      request.headers.authorization = `Bearer ${queryToken}`;
    }
    const apiKey = presentedApiKey(request.headers);
    if (apiKey !== undefined) return this.authenticateApiKey(context, request, apiKey);
    // Anonymous only when no credential at all is presented; any Authorization header is verified (a bad one is a 401).
    if (request.headers.authorization === undefined && this.reflector.getAllAndOverride<boolean>(IS_OPTIONAL_AUTH, [context.getHandler(), context.getClass()])) return true;
    return super.canActivate(context);
  }

  /** In-memory after the first lookup (ApiKeyAuthenticator caches it; revocations reach every node through Redis). */
  private async authenticateApiKey(context: ExecutionContext, request: { method: string; params?: unknown; body?: unknown; user?: unknown }, apiKey: string): Promise<boolean> {
    const caller = await this.apiKeys.authenticate(apiKey, this.revocations);
    request.user = caller;
    this.apiKeys.authorize(caller, this.reflector.getAllAndOverride<ApiKeyAccessKind | undefined>(API_KEY_ACCESS, [context.getHandler(), context.getClass()]), request);
    return true;
  }

  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    if (error instanceof DomainError) throw error;
    if (error || !user) {
      const reason = info instanceof Error ? info.message : undefined;
      throw new UnauthorizedError(
        ErrorCode.Unauthorized,
        reason === 'No auth token' || !reason ? 'A bearer access token is required.' : `The access token was refused: ${reason}.`,
      );
    }
    return user;
  }
}

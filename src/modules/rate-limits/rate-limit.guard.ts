import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from 'src/config/app-config';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { bucketFor, rateLimitHeaders, type RateLimitSettings } from './rate-limit-policy';
import { RateLimitsService } from './rate-limits.service';

export class RateLimitedError extends DomainError {
  constructor(headers: Record<string, string>) {
    super(ErrorCode.RateLimited, 429, 'Too many requests', `The rate limit of ${headers['ratelimit-limit']} requests per ${headers['ratelimit-policy'].split('w=')[1]} s is spent; retry after ${headers['retry-after']} s.`);
    this.headers = headers;
  }
}

/**
 * Global, after authentication (so it knows the user or API key): spends one
 * request of the caller's budget and says what is left in RateLimit-* headers;
 * over budget, a 429 problem with Retry-After.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly settings: RateLimitSettings;

  constructor(
    private readonly limits: RateLimitsService,
    config: AppConfig,
  ) {
    this.settings = config.rateLimits;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: AuthUser }>();
    const path = request.url.split('?', 1)[0];
    const bucket = bucketFor(path, { ip: request.ip, userId: request.user?.id, apiKeyId: request.user?.apiKey?.id }, this.settings);
    if (!bucket) return true;
    const decision = await this.limits.take(bucket);
    if (!decision) return true;
    const headers = rateLimitHeaders(bucket.limit, decision, this.settings.windowMs);
    if (!decision.allowed) throw new RateLimitedError(headers);
    http.getResponse<FastifyReply>().headers(headers);
    return true;
  }
}

import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { JwtStrategy } from './jwt.strategy';
import { TokenService } from './token.service';

/**
 * Authenticates a bearer access token outside Nest's guards, for routes Nest
 * does not own (the live OpenAPI document is served by Fastify directly):
 * the same checks as JwtStrategy (signature, issuer, audience, expiry,
 * revocations, current role).
 */
@Injectable()
export class BearerAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly strategy: JwtStrategy,
  ) {}

  /** undefined: no Authorization header (anonymous); a header that does not hold a valid token is a 401. */
  authenticate(authorization: string | undefined): AuthUser | undefined {
    if (authorization === undefined) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const claims = match ? this.tokens.verifyAccessToken(match[1]) : undefined;
    if (!claims) throw new UnauthorizedError(ErrorCode.Unauthorized, 'The access token is missing, malformed, expired or invalid.');
    return this.strategy.validate(claims);
  }
}

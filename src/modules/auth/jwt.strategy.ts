import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { UnauthorizedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { SessionRevocations, type VerifiedClaims } from './session-revocations.service';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, TokenService } from './token.service';

/** Bearer access tokens: HS256 only (so `alg: none` and key confusion are refused), our issuer and audience. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokenService,
    private readonly revocations: SessionRevocations,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: tokens.key as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  /**
   * After the signature, issuer, audience and expiry: a token of an ended
   * session, or of a disabled or deleted account, is refused; the role is the
   * current one. In-memory lookups only (see SessionRevocations for how they
   * stay current on every node without a query per request).
   */
  validate(claims: VerifiedClaims): AuthUser {
    const refused = this.revocations.refusal(claims);
    if (refused) throw new UnauthorizedError(ErrorCode.Unauthorized, `The access token was refused: ${refused}.`);
    return { id: claims.sub, role: this.revocations.currentRole(claims.sub, claims.role), sessionId: claims.sid, mfa: claims.mfa === true };
  }
}

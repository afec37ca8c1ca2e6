import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, TokenService, type AccessTokenClaims } from './token.service';

/** Bearer access tokens: HS256 only (so `alg: none` and key confusion are refused), our issuer and audience. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(tokens: TokenService) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: tokens.key as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  validate(claims: AccessTokenClaims): AuthUser {
    return { id: claims.sub, role: claims.role, sessionId: claims.sid };
  }
}

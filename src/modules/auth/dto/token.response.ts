import { UserResponse } from 'src/modules/users/dto/user.response';

export class TokenResponse {
  /** A short-lived JWT for `Authorization: Bearer`. */
  accessToken: string;
  /** Opaque and single-use: exchange it at /auth/refresh for a new pair. */
  refreshToken: string;
  /** Seconds until the access token expires. @example 900 */
  expiresIn: number;
  user: UserResponse;
}

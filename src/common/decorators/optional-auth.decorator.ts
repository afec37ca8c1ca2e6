import { SetMetadata } from '@nestjs/common';

export const IS_OPTIONAL_AUTH = 'basalt:optional-auth';

/**
 * The route also answers anonymous callers (no `Authorization` header and no
 * API key): they reach it with no `request.user`. A credential that is
 * presented is still checked as usual, so a bad or expired token is a 401.
 */
export const OptionalAuth = () => SetMetadata(IS_OPTIONAL_AUTH, true);

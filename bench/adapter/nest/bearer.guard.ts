import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { AUTHORIZATION } from '../shared';

/** A constant-comparison stand-in for Basalt's JWT guard: it costs the guard pipeline, not crypto. */
@Injectable()
export class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    if (headers.authorization !== AUTHORIZATION) throw new UnauthorizedException();
    return true;
  }
}

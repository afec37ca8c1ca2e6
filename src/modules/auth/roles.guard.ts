import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ROLES, type Role } from 'src/common/decorators/roles.decorator';
import { ForbiddenError } from 'src/common/errors/domain.error';

/** Global: enforces @Roles() after the JWT guard has identified the caller. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (user && roles.includes(user.role)) return true;
    throw new ForbiddenError(`This needs the role ${roles.join(' or ')}.`);
  }
}

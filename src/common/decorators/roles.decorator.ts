import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const ROLES = 'basalt:roles';

export type Role = 'admin' | 'user';

/**
 * Restricts a route to users holding one of these roles (checked by the
 * global RolesGuard), and says so in the OpenAPI document as
 * `x-basalt-roles`, so clients and the OWASP e2e matrix can list every
 * restricted route from the live document.
 */
export const Roles = (...roles: Role[]) => applyDecorators(SetMetadata(ROLES, roles), ApiExtension('x-basalt-roles', roles));

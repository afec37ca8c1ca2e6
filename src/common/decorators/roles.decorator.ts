import { SetMetadata } from '@nestjs/common';

export const ROLES = 'basalt:roles';

export type Role = 'admin' | 'user';

/** Restricts a route to users holding one of these roles (checked by the global RolesGuard). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

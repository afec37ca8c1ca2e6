import { UsersAndSessions1763780000000 } from './1763780000000-users-and-sessions';

/** Every migration, in order. New migrations are appended here (no globs). */
export const MIGRATIONS = [UsersAndSessions1763780000000];

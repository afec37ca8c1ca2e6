import { UsersAndSessions1763780000000 } from './1763780000000-users-and-sessions';
import { Collections1763790000000 } from './1763790000000-collections';

/** Every migration, in order. New migrations are appended here (no globs). */
export const MIGRATIONS = [UsersAndSessions1763780000000, Collections1763790000000];

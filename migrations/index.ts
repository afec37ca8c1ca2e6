import { UsersAndSessions1763780000000 } from './1763780000000-users-and-sessions';
import { Collections1763790000000 } from './1763790000000-collections';
import { SessionsRevokedAtIndex1763800100000 } from './1763800100000-sessions-revoked-at-index';
import { AccountEmail1763800200000 } from './1763800200000-account-email';
import { Identities1763800300000 } from './1763800300000-identities';
import { ApiKeysAndErasures1763800400000 } from './1763800400000-api-keys-and-erasures';
import { UserMfa1763800500000 } from './1763800500000-user-mfa';
import { Permissions1763800600000 } from './1763800600000-permissions';
import { Roles1763800700000 } from './1763800700000-roles';
import { Outbox1763800800000 } from './1763800800000-outbox';
import { Webhooks1763800900000 } from './1763800900000-webhooks';
import { ErasureRecords1763801000000 } from './1763801000000-erasure-records';
import { RealtimeAndCleanup1763801100000 } from './1763801100000-realtime-and-cleanup';
import { Alerts1763801200000 } from './1763801200000-alerts';

/** Every migration, in order. New migrations are appended here (no globs). */
export const MIGRATIONS = [UsersAndSessions1763780000000, Collections1763790000000, SessionsRevokedAtIndex1763800100000, AccountEmail1763800200000, Identities1763800300000, ApiKeysAndErasures1763800400000, UserMfa1763800500000, Permissions1763800600000, Roles1763800700000, Outbox1763800800000, Webhooks1763800900000, ErasureRecords1763801000000, RealtimeAndCleanup1763801100000, Alerts1763801200000];

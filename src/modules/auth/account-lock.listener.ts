/**
 * The hook for telling an account's owner that it was locked by failed
 * sign-ins (the mail module emails them). Optional: when nothing provides
 * ACCOUNT_LOCK_LISTENER, locks just happen.
 *
 * Provide it from a global module, or from a module AuthModule imports:
 *
 *   { provide: ACCOUNT_LOCK_LISTENER, useExisting: LockoutMailer }
 *
 * It is called once per lock, after the response is decided and never
 * awaited by it (so neither its latency nor its failure can tell a caller
 * whether the email is registered); errors are logged and swallowed. It is
 * also called for emails nobody registered (`userId: null`): do nothing then.
 */
export const ACCOUNT_LOCK_LISTENER = 'basalt:account-lock-listener';

export interface AccountLockEvent {
  /** The normalised email the failures were counted under. */
  email: string;
  /** The account's id, or null when no account has this email. */
  userId: string | null;
  /** Failed attempts that caused the lock (the configured threshold). */
  failures: number;
  lockedUntil: Date;
  /** The client address of the attempt that locked it. */
  ip?: string;
}

export interface AccountLockListener {
  accountLocked(event: AccountLockEvent): void | Promise<void>;
}

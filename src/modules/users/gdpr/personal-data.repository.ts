import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { dialectOf } from 'src/infra/database/dialect';
import { OwnedRecordsRepository, type ErasedRecords } from './owned-records.repository';

/**
 * The map of every table holding data about a user, for the GDPR export and
 * erasure — the one place that reads across modules' tables, on purpose: a
 * new table with a `user_id` must be added here (and to the README's list).
 * Plain SQL, so it works whichever module owns the table and whether or not
 * an optional table (the MFA ones) exists yet. Records of run-time
 * collections come through OwnedRecordsRepository.
 */
@Injectable()
export class PersonalDataRepository {
  private readonly mysql: boolean;
  private optionalTables?: Promise<Set<string>>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ownedRecords: OwnedRecordsRepository,
  ) {
    this.mysql = dialectOf(dataSource) === 'mysql';
  }

  /** Everything held about the user, as plain rows (no password hash, no token hashes, no secrets). */
  async read(userId: string) {
    const optional = await this.existingOptionalTables();
    const q = (sql: string) => this.dataSource.query(this.sql(sql), [userId]) as Promise<Record<string, unknown>[]>;
    const [users, sessions, identities, accountTokens, schemaEvents, roles, webhooks, mfa, recoveryCodes, collections] = await Promise.all([
      q('SELECT id, email, name, role, disabled, email_verified_at, created_at, updated_at, password_hash IS NOT NULL AS has_password FROM users WHERE id = $1'),
      q('SELECT id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip FROM sessions WHERE user_id = $1 ORDER BY created_at, id'),
      q('SELECT provider, subject, email, created_at FROM identities WHERE user_id = $1 ORDER BY created_at, id'),
      q('SELECT purpose, created_at, expires_at, used_at FROM account_tokens WHERE user_id = $1 ORDER BY created_at, id'),
      q('SELECT version, collection, action, created_at FROM schema_events WHERE actor_id = $1 ORDER BY version'),
      q('SELECT role, created_at FROM user_roles WHERE user_id = $1 ORDER BY role'),
      q('SELECT id, url, events, filter, active, created_at FROM webhooks WHERE user_id = $1 ORDER BY created_at, id'),
      optional.has('user_mfa') ? q('SELECT confirmed_at, created_at FROM user_mfa WHERE user_id = $1') : Promise.resolve(undefined),
      optional.has('mfa_recovery_codes') ? q('SELECT used_at FROM mfa_recovery_codes WHERE user_id = $1') : Promise.resolve(undefined),
      this.ownedRecords.read(userId),
    ]);
    return { user: users[0], sessions, identities, accountTokens, schemaEvents, roles, webhooks, mfa, recoveryCodes, collections };
  }

  /** When the session was signed in (its creation), or undefined when it does not exist. */
  async sessionCreatedAt(sessionId: string): Promise<Date | undefined> {
    const rows = (await this.dataSource.query(this.sql('SELECT created_at FROM sessions WHERE id = $1'), [sessionId])) as { created_at: Date | string }[];
    return rows[0] ? new Date(rows[0].created_at) : undefined;
  }

  /**
   * In one transaction: deletes everything linked to the user (sessions,
   * email tokens, identities, API keys, custom roles, webhooks with their delivery log, MFA factor and recovery codes),
   * deletes or anonymises the records they own in collections, takes the
   * account out of change events' actor, then deletes the users row (and
   * clears it from schema_events' actor) or anonymises it, and records the
   * erasure with what it did to records. Returns the session and key ids so their tokens can be refused
   * on every node once this has committed.
   */
  async erase(userId: string, mode: 'delete' | 'anonymise', reason: string): Promise<{ sessionIds: string[]; apiKeyIds: string[]; records: ErasedRecords[] }> {
    const optional = await this.existingOptionalTables();
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const run = (sql: string, params: unknown[] = [userId]) => manager.query(this.sql(sql), params) as Promise<Record<string, unknown>[]>;
      const sessionIds = (await run('SELECT id FROM sessions WHERE user_id = $1')).map((r) => String(r.id));
      const apiKeyIds = (await run('SELECT id FROM api_keys WHERE user_id = $1')).map((r) => String(r.id));
      for (const table of ['sessions', 'account_tokens', 'identities', 'api_keys', 'user_roles', 'webhooks']) await run(`DELETE FROM ${table} WHERE user_id = $1`);
      for (const table of ['mfa_recovery_codes', 'user_mfa']) if (optional.has(table)) await run(`DELETE FROM ${table} WHERE user_id = $1`);
      const records = await this.ownedRecords.erase(manager, userId, mode);
      // Change events say who acted only while they are kept; the erased account is taken out of them either way.
      await run('UPDATE outbox_events SET actor_id = NULL WHERE actor_id = $1');
      if (mode === 'delete') {
        await run('UPDATE schema_events SET actor_id = NULL WHERE actor_id = $1');
        await run('DELETE FROM users WHERE id = $1');
      } else {
        await run('UPDATE users SET email = $1, name = NULL, password_hash = NULL, email_verified_at = NULL, disabled = $2 WHERE id = $3', [`deleted-${userId}@invalid`, true, userId]);
      }
      await run('INSERT INTO account_erasures (id, user_id, mode, reason, records) VALUES ($1, $2, $3, $4, $5)', [randomUUID(), userId, mode, reason, JSON.stringify(records)]);
      return { sessionIds, apiKeyIds, records };
    });
  }

  /** `$n` placeholders become `?` on MySQL (every statement here uses each once, in order). */
  private sql(text: string): string {
    return this.mysql ? text.replace(/\$\d+/g, '?') : text;
  }

  /** Which optional tables (added by features that may not be migrated yet) exist; checked once. */
  private existingOptionalTables(): Promise<Set<string>> {
    this.optionalTables ??= (async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        const found = new Set<string>();
        for (const table of ['user_mfa', 'mfa_recovery_codes']) if (await runner.hasTable(table)) found.add(table);
        return found;
      } finally {
        await runner.release();
      }
    })();
    return this.optionalTables;
  }
}

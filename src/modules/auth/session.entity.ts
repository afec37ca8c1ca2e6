import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One signed-in device: its refresh token (hashed) rotates on every use. */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('sessions_user_id_idx')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Index('sessions_refresh_token_hash_key', { unique: true })
  @Column({ name: 'refresh_token_hash', type: 'varchar', length: 64 })
  refreshTokenHash: string;

  /** The hash the last rotation replaced: presenting it again means the token was stolen. */
  @Index('sessions_previous_token_hash_idx')
  @Column({ name: 'previous_token_hash', type: 'varchar', length: 64, nullable: true })
  previousTokenHash: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'last_used_at' })
  lastUsedAt: Date;

  @Index('sessions_expires_at_idx')
  @Column({ name: 'expires_at' })
  expiresAt: Date;

  @Index('sessions_revoked_at_idx')
  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}

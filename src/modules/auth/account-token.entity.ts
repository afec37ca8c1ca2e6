import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AccountTokenPurpose = 'verify-email' | 'password-reset';

/** A one-time token sent by email (verification, password reset): only its SHA-256 is stored. */
@Entity({ name: 'account_tokens' })
@Index('account_tokens_user_purpose_idx', ['userId', 'purpose'])
export class AccountToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  purpose: AccountTokenPurpose;

  @Index('account_tokens_token_hash_key', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Index('account_tokens_expires_at_idx')
  @Column({ name: 'expires_at' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at' })
  createdAt: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user's TOTP factor: pending until confirmed with a first code. */
@Entity({ name: 'user_mfa' })
export class UserMfa {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  /** `v1.<iv>.<tag>.<ciphertext>`: AES-256-GCM (MfaSecrets). Never selected unless needed, never returned. */
  @Column({ name: 'secret_encrypted', type: 'varchar', length: 255, select: false })
  secretEncrypted: string;

  @Column({ name: 'confirmed_at', type: Date, nullable: true })
  confirmedAt: Date | null;

  /** The last 30 s step whose code was accepted: that step and earlier ones are refused (replay). */
  @Column({ name: 'last_used_step', type: 'integer', nullable: true })
  lastUsedStep: number | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}

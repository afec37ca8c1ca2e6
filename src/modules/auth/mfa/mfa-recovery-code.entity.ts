import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A one-time recovery code, as its keyed hash; `usedAt` set when it was spent. */
@Entity({ name: 'mfa_recovery_codes' })
@Index('mfa_recovery_codes_user_id_code_hash_key', ['userId', 'codeHash'], { unique: true })
export class MfaRecoveryCode {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The record that an account was erased: its id, when, how and why — never personal data. */
@Entity({ name: 'account_erasures' })
export class AccountErasure {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('account_erasures_user_id_idx')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'erased_at' })
  erasedAt: Date;

  /** `delete` or `anonymise` (BASALT_ERASURE_MODE at the time). */
  @Column({ type: 'varchar', length: 16 })
  mode: string;

  /** `self-service`: the owner asked (DELETE /users/me). */
  @Column({ type: 'varchar', length: 64 })
  reason: string;

  /** JSON: what was done to records in collections, `[{collection, action: deleted|anonymised, count}]` (counts only). */
  @Column({ type: 'text', nullable: true })
  records: string | null;
}

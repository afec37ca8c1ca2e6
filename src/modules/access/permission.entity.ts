import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One rule: what `role` may do (`action`) on the records of `collection`. */
@Entity({ name: 'permissions' })
export class Permission {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** 'user', 'public' (anonymous callers) or a custom role; administrators need no rules. */
  @Column({ type: 'varchar', length: 32 })
  role: string;

  @Column({ type: 'varchar', length: 64 })
  collection: string;

  @Column({ type: 'varchar', length: 16 })
  action: string;

  /** JSON text: a filter in the records filter language; values may be "$user.id", "$user.roles" or "$now". */
  @Column({ name: 'row_filter', type: 'text', nullable: true })
  rowFilter: string | null;

  /** JSON text: the readable (read) or writable (create, update) fields; null: all. */
  @Column({ type: 'text', nullable: true })
  fields: string | null;

  /** JSON text: values set on create; a value may be "$user.id". */
  @Column({ type: 'text', nullable: true })
  presets: string | null;

  /** JSON text, create and update only: a filter a written record must match (update without one: `rowFilter`). */
  @Column({ name: 'check_filter', type: 'text', nullable: true })
  check: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A role an administrator created; the built-ins (admin, user, public) have no row. */
@Entity({ name: 'roles' })
export class RoleRow {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;
}

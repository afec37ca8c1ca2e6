import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A custom role a user holds. */
@Entity({ name: 'user_roles' })
@Index('user_roles_role_idx', ['role'])
export class UserRole {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  role: string;

  @Column({ name: 'created_at' })
  createdAt: Date;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A machine credential acting as its owner, limited to its scopes. Only the secret's SHA-256 is stored. */
@Entity({ name: 'api_keys' })
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('api_keys_user_id_idx')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64, select: false })
  secretHash: string;

  /** JSON text: `[{collection, actions}]`. */
  @Column({ type: 'text' })
  scopes: string;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;
}

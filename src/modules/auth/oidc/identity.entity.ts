import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A sign-in identity at an OpenID provider (issuer subject), linked to one Basalt account. */
@Entity({ name: 'identities' })
@Index('identities_provider_subject_key', ['provider', 'subject'], { unique: true })
export class Identity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The provider's name in BASALT_OIDC_PROVIDERS. */
  @Column({ type: 'varchar', length: 40 })
  provider: string;

  /** The ID token's `sub`: compared exactly (binary collation on MySQL). */
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @Index('identities_user_id_idx')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  /** The email the provider gave when the identity was linked. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * A sign-in (or a linking) at another provider under way: what the callback needs to finish it.
 * In the database so that the callback may land on any instance. Only hashes of the `state` and
 * of the browser's binding cookie are kept; the callback deletes the row as it reads it (single
 * use), and a row lives 10 minutes.
 */
@Entity({ name: 'federation_states' })
export class FederationState {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_federation_states_state_hash', { unique: true })
  @Column({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash: string;

  /** SHA-256 of the HttpOnly cookie set on the browser that started the flow. */
  @Column({ name: 'binding_hash', type: 'varchar', length: 64 })
  bindingHash: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  /** PKCE (RFC 7636) verifier; its S256 challenge went to the provider. */
  @Column({ name: 'code_verifier', type: 'varchar', length: 128 })
  codeVerifier: string;

  @Column({ type: 'varchar', length: 128 })
  nonce: string;

  /** Where the browser goes afterwards (already checked by safeReturnTo); null: the default. */
  @Column({ name: 'return_to', type: 'varchar', length: 2048, nullable: true })
  returnTo: string | null;

  /** Set when a signed-in user links this provider to their account. */
  @Column({ name: 'link_user_id', type: 'uuid', nullable: true })
  linkUserId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'link_user_id' })
  linkUser?: User;

  @Index('IDX_federation_states_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** `singleDevice` (bound to one authenticator) or `multiDevice` (synced, WebAuthn's backup eligibility). */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/** A WebAuthn credential registered by a user: a discoverable, user-verifying passkey. */
@Entity({ name: 'passkeys' })
export class Passkey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_passkeys_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** The credential id as the browser sends it (base64url); unique across all users. */
  @Index('UQ_passkeys_credential_id', { unique: true })
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId: string;

  /** The COSE public key, as attested at registration. */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey: Buffer;

  /** The authenticator's signature counter (a string: bigint); 0 for authenticators that keep none. */
  @Column({ name: 'sign_count', type: 'bigint', default: 0 })
  signCount: string;

  @Column({ type: 'varchar', array: true, length: 16, default: () => "'{}'" })
  transports: string[];

  @Column({ name: 'device_type', type: 'varchar', length: 16 })
  deviceType: PasskeyDeviceType;

  @Column({ name: 'backed_up', type: 'boolean', default: false })
  backedUp: boolean;

  @Column({ type: 'varchar', length: 64, nullable: true })
  name: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}

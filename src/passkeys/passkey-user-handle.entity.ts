import { Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * The WebAuthn user handle of a user: 32 random bytes made once, never the user's id (it is
 * stored on authenticators and must not identify the account elsewhere).
 */
@Entity({ name: 'passkey_user_handles' })
export class PasskeyUserHandle {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** base64url of the 32 bytes, as WebAuthn's JSON forms carry it. */
  @Index('UQ_passkey_user_handles_handle', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  handle: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

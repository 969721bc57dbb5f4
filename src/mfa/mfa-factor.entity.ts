import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

export type MfaFactorType = 'totp';

/** A TOTP authenticator of a user; it counts (turns MFA on) only once confirmed. */
@Entity({ name: 'mfa_factors' })
export class MfaFactor {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_mfa_factors_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16, default: 'totp' })
  type: MfaFactorType;

  @Column({ type: 'varchar', length: 64, nullable: true })
  name: string | null;

  /** The base32 secret, AES-256-GCM encrypted (see SecretBox). */
  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext: string;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  /** The newest 30 s time step accepted for this factor (a string: bigint); older or equal steps are replays. */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep: string | null;

  /** Wrong confirmation codes so far; an unconfirmed factor dies at MAX_CONFIRM_FAILURES. */
  @Column({ name: 'failed_attempts', type: 'int', default: 0 })
  failedAttempts: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** How the login that the challenge continues hands out its tokens. */
export type MfaChallengeFlow = 'token' | 'cookie';

/**
 * The pending second step of a login: a password was proven, a second factor is still owed.
 * The client holds the opaque mfa_token; only its SHA-256 is stored. Bound to the user, the
 * scope asked and the flow; it expires, allows MAX_MFA_ATTEMPTS codes and works once.
 */
@Entity({ name: 'mfa_challenges' })
export class MfaChallenge {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_mfa_challenges_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Index('IDX_mfa_challenges_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** The identifier as typed, normalised: the back-off's per-address counter of the second step. */
  @Column({ type: 'varchar', length: 320 })
  login: string;

  /** SHA-256 of the password hash that was verified: a password change in between voids the challenge. */
  @Column({ name: 'password_digest', type: 'varchar', length: 64 })
  passwordDigest: string;

  /** What the first step proved: `pwd` (a password) or `fed` (another provider); the session's amr starts with it. */
  @Column({ name: 'first_factor', type: 'varchar', length: 8, default: 'pwd' })
  firstFactor: string;

  /** The scope asked in the first step (null: all the roles allow). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  scope: string | null;

  @Column({ type: 'varchar', length: 8 })
  flow: MfaChallengeFlow;

  /** Codes tried so far (the one that succeeds included). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Index('IDX_mfa_challenges_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

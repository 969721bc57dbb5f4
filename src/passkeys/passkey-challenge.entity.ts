import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** The ceremony a challenge was made for. */
export type PasskeyFlow = 'registration' | 'authentication';

/**
 * A WebAuthn challenge waiting for its ceremony (Postgres store; Redis holds them instead when
 * REDIS_URL is set). Bound to its flow and, for a registration, to the user; used once.
 */
@Entity({ name: 'passkey_challenges' })
export class PasskeyChallenge {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** base64url of the random challenge bytes. */
  @Column({ type: 'varchar', length: 128 })
  challenge: string;

  @Column({ type: 'varchar', length: 16 })
  flow: PasskeyFlow;

  @Index('IDX_passkey_challenges_user_id')
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Index('IDX_passkey_challenges_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

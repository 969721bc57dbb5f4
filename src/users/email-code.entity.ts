import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

export type EmailCodePurpose = 'verify' | 'email_change';

/** A one-time code mailed to `targetEmail`; only its keyed hash is stored. */
@Entity({ name: 'email_codes' })
@Index('IDX_email_codes_target_created', ['targetEmail', 'createdAt'])
export class EmailCode {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_email_codes_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  purpose: EmailCodePurpose;

  /** The address the code was mailed to: the user's own (verify) or the requested new one. */
  @Column({ name: 'target_email', type: 'varchar', length: 320 })
  targetEmail: string;

  /** HMAC-SHA256, hex. */
  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  /** Wrong tries so far; the code is dead at MAX_CODE_ATTEMPTS. */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Index('IDX_email_codes_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Set when the code was used or superseded by a newer one. */
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

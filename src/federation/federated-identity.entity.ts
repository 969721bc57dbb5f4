import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * A Warden account's sign-in at another provider: that provider's stable subject (`sub`, or
 * GitHub's numeric user id). One account per (provider, subject), one identity per provider and
 * account. Rows go with their user.
 */
@Entity({ name: 'federated_identities' })
@Index('UQ_federated_identities_provider_subject', ['provider', 'subject'], { unique: true })
@Index('UQ_federated_identities_user_provider', ['userId', 'provider'], { unique: true })
export class FederatedIdentity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The provider's `id` in AUTH_PROVIDERS. */
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** The address the provider gave at the last sign-in (normalised), for display; null: none given. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;
}

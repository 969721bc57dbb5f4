import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/** What happened; the values are part of the API (GET /auth/events). */
export const AUTH_EVENT_TYPES = [
  'login_success',
  'login_failure',
  'login_locked',
  'logout',
  'session_revoked',
  'sessions_revoked',
  'refresh_reuse_detected',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'email_change_requested',
  'email_changed',
  'email_verified',
  'role_changed',
  'account_disabled',
  'account_enabled',
  'user_deleted',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_failed',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'mfa_reset_by_admin',
  'passkey_added',
  'passkey_removed',
  'passkey_clone_detected',
  'client_created',
  'client_updated',
  'client_deleted',
  'client_secret_rotated',
  'federated_login',
  'identity_linked',
  'identity_unlinked',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/** Plain facts only (no nested objects): what an event's `details` may hold. */
export type AuthEventDetails = Record<string, string | number | boolean | null | string[]>;

/**
 * The security audit log. Rows of a user go with the user (ON DELETE CASCADE: a deleted account
 * leaves no row naming it). `details` holds only the fields the recording code chose (reasons,
 * scopes, roles, the acting admin): never a password, code, token or hash.
 */
@Entity({ name: 'auth_events' })
@Index('IDX_auth_events_user_created', ['userId', 'createdAt'])
export class AuthEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 40 })
  type: AuthEventType;

  /** Null for attempts on an account that does not exist. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** Not a foreign key: the event outlives the session row's state and must never cascade from it. */
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: AuthEventDetails;

  @Index('IDX_auth_events_created_at')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

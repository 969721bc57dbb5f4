import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OAuthClient } from '../clients/oauth-client.entity.js';
import { User } from '../users/user.entity.js';

export type SessionAcr = 'aal1' | 'aal2';

/** One login: access tokens carry its id as `sid`; revoking it kills them all. */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_sessions_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', default: () => 'now()' })
  lastUsedAt: Date;

  /** Absolute end of the session (REFRESH_TOKEN_TTL after login). */
  @Index('IDX_sessions_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  // The purge finds ended sessions by these two; live sessions stay out of this one.
  @Index('IDX_sessions_revoked_at', { where: '"revoked_at" IS NOT NULL' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  /** Scopes granted at login; a refresh never widens them (RFC 6749 §6). Null: all the roles allow. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  scope: string | null;

  /** NIST 800-63B assurance level reached by the session's authentication; step-up raises it. */
  @Column({ type: 'varchar', length: 8, default: 'aal1' })
  acr: SessionAcr;

  /** RFC 8176 methods of that authentication, e.g. ["pwd"] or ["pwd","otp","mfa"]. */
  @Column({ type: 'text', array: true, default: () => "'{pwd}'" })
  amr: string[];

  /** The session's last authentication (login or step-up). */
  @Column({ name: 'auth_time', type: 'timestamptz', default: () => 'now()' })
  authTime: Date;

  /** The OAuth client the session was opened for (its refresh needs that client); null: password grant or browser login. */
  @Index('IDX_sessions_client_id')
  @Column({ name: 'client_id', type: 'uuid', nullable: true })
  clientId: string | null;

  @ManyToOne(() => OAuthClient, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'FK_sessions_client_id' })
  client?: OAuthClient;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { SessionAcr } from '../sessions/session.entity.js';
import { OAuthClient } from '../clients/oauth-client.entity.js';
import { User } from '../users/user.entity.js';

/**
 * An authorization code (RFC 6749 4.1.2) waiting for the token endpoint: only its SHA-256 is
 * stored, it lives 60 seconds and is claimed once by a conditional UPDATE. Bound to the client,
 * the exact redirect_uri of the request, the PKCE challenge and the nonce; it carries the
 * browser session's assurance so that the session it opens keeps acr, amr and auth_time.
 */
@Entity({ name: 'oauth_codes' })
export class AuthorizationCode {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** base64url SHA-256 of the code. */
  @Index('UQ_oauth_codes_code_hash', { unique: true })
  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  @Index('IDX_oauth_codes_client_id')
  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @ManyToOne(() => OAuthClient, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: OAuthClient;

  @Index('IDX_oauth_codes_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'redirect_uri', type: 'varchar', length: 2048 })
  redirectUri: string;

  /** base64url SHA-256 of the code_verifier (S256, RFC 7636 4.2). */
  @Column({ name: 'code_challenge', type: 'varchar', length: 43 })
  codeChallenge: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  nonce: string | null;

  /** The granted scopes, space-separated. */
  @Column({ type: 'varchar', length: 255 })
  scope: string;

  @Column({ type: 'varchar', length: 8 })
  acr: SessionAcr;

  @Column({ type: 'text', array: true })
  amr: string[];

  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime: Date;

  @Index('IDX_oauth_codes_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  /** Set by a second presentation: the session of the first one is revoked. */
  @Column({ name: 'reused_at', type: 'timestamptz', nullable: true })
  reusedAt: Date | null;

  /** The session the exchange opened (revoked if the code is presented again). */
  @Column({ name: 'issued_session_id', type: 'uuid', nullable: true })
  issuedSessionId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

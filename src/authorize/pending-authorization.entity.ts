import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OAuthClient } from '../clients/oauth-client.entity.js';
import { User } from '../users/user.entity.js';
import type { AuthorizeParams } from './authorize-request.js';

/**
 * An authorization request waiting on /consent: bound to the signed-in user who saw the page,
 * answered once (Allow or Deny), 10 minutes.
 */
@Entity({ name: 'oauth_pending_authorizations' })
export class PendingAuthorization {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_oauth_pending_authorizations_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Index('IDX_oauth_pending_authorizations_client_id')
  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @ManyToOne(() => OAuthClient, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: OAuthClient;

  /** The validated request (client_id, redirect_uri, scope, state, nonce, code_challenge, …). */
  @Column({ type: 'jsonb' })
  params: AuthorizeParams;

  @Index('IDX_oauth_pending_authorizations_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

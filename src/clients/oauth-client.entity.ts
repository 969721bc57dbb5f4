import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** RFC 6749 2.1: a public client cannot keep a secret (SPA, native app); a confidential one can. */
export type OAuthClientType = 'public' | 'confidential';

/** An application registered with Warden as an OAuth 2.1 / OpenID Connect provider. */
@Entity({ name: 'oauth_clients' })
export class OAuthClient {
  /** The `client_id`. */
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_oauth_clients' })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  type: OAuthClientType;

  /** SHA-256 (hex) of the current secret: confidential clients only. The secret itself is never stored. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true })
  secretHash: string | null;

  /**
   * Bumped when the secret is rotated: client_credentials tokens carry the generation they were
   * issued under, and one of an older generation is refused (the old secret's tokens die with it).
   */
  @Column({ name: 'secret_generation', type: 'integer', default: 1 })
  secretGeneration: number;

  /** Compared exactly, except the port of a loopback redirect (see redirect-uris.ts). */
  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris: string[];

  @Column({ name: 'post_logout_redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  postLogoutRedirectUris: string[];

  /** What the token endpoint lets it do: authorization_code, refresh_token, client_credentials. */
  @Column({ name: 'grant_types', type: 'varchar', length: 32, array: true, default: () => "'{}'" })
  grantTypes: string[];

  /** The scopes the client may ask for (of its users, or its own under client_credentials). */
  @Column({ type: 'varchar', length: 64, array: true, default: () => "'{}'" })
  scopes: string[];

  /** Warden's own apps: no consent page. */
  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

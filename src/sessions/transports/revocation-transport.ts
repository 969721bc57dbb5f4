import type { EntityManager } from 'typeorm';

/** The Postgres channel (and Redis channel) that carries revocations between instances. */
export const REVOCATION_CHANNEL = 'warden_session_revoked';

export interface TransportHandlers {
  /** A revocation published by any instance (this one included). */
  message(payload: string): void;
  /** Listening: from now on no revocation can be missed. */
  up(): void;
  /** Not listening (connection lost): revocations may be missed until `up` again. */
  down(): void;
}

/**
 * How one instance tells every instance that a session (payload: its id) or all sessions of a
 * user (payload: `user:<id>`) changed. Implementations must deliver a publication made inside a
 * transaction only once it commits.
 */
export interface RevocationTransport {
  readonly name: string;
  start(handlers: TransportHandlers): Promise<void>;
  /**
   * True when `publish(payload, manager)` inside an open transaction is delivered on commit by
   * the transport itself (pg_notify); otherwise the caller publishes after the commit.
   */
  readonly transactional: boolean;
  publish(payload: string, manager?: EntityManager): Promise<void>;
  stop(): Promise<void>;
}

/** pg_notify is transactional: Postgres (and PGlite) deliver it when the transaction commits. */
export async function pgNotify(manager: EntityManager, payload: string): Promise<void> {
  await manager.query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, payload]);
}

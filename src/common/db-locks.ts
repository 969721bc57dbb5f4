import type { EntityManager } from 'typeorm';

/**
 * Serialises, until the transaction ends, every transaction that mails one address, so the
 * "one mail per 60 s" and "5 codes an hour" checks cannot be raced by parallel requests.
 * A transaction-scoped advisory lock: nothing to clean up, works on Postgres and PGlite.
 */
export async function lockMailAddress(manager: EntityManager, address: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mail:${address}`]);
}

import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory.js';
import { createPino } from '../src/common/logger.js';
import { loadConfig } from '../src/config/app-config.js';
import { RetentionService } from '../src/retention/retention.service.js';
import { Writable } from 'node:stream';

const dataDir = mkdtempSync(join(tmpdir(), 'growth-'));
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz', LOG_LEVEL: 'warn',
  AUTH_REQUIRE_EMAIL_VERIFICATION: 'false', RATE_LIMIT_ENABLED: 'false', ARGON2_MEMORY_KIB: '19456', DATA_DIR: dataDir });
const app = await createApp(config, createPino('warn', new Writable({ write: (_c, _e, d) => d() })), { dataDir });
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
const ds = app.get(DataSource);
const post = async (path: string, body: Record<string, string>, json = false) => {
  const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' }, body: json ? JSON.stringify(body) : new URLSearchParams(body).toString() });
  return (await r.json()) as Record<string, string>;
};
await post('/auth/register', { email: 'g@example.com', password: 'correct horse battery staple' }, true);
const size = async () => {
  const [r] = await ds.query(`SELECT pg_database_size(current_database())::bigint AS db,
    (SELECT count(*) FROM sessions)::int AS s, (SELECT count(*) FROM refresh_tokens)::int AS t, (SELECT count(*) FROM auth_events)::int AS e`);
  return `db=${(Number(r.db) / 1048576).toFixed(2)}MiB sessions=${r.s} tokens=${r.t} events=${r.e}`;
};
const LOGINS = Number(process.env.LOGINS ?? 200), REFRESHES = Number(process.env.REFRESHES ?? 10);
async function round(label: string) {
  const t0 = Date.now();
  for (let i = 0; i < LOGINS; i++) {
    let tok = await post('/auth/token', { grant_type: 'password', username: 'g@example.com', password: 'correct horse battery staple' });
    for (let j = 0; j < REFRESHES; j++) tok = await post('/auth/token', { grant_type: 'refresh_token', refresh_token: tok.refresh_token });
    if (!tok.refresh_token) throw new Error(JSON.stringify(tok));
  }
  console.log(`${label}: ${await size()} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`start: ${await size()}`);
await round('round 1');
// Everything so far ended long ago (as if SESSION_RETENTION and AUDIT_RETENTION had passed).
await ds.query(`UPDATE sessions SET revoked_at = now() - interval '8 days'`);
await ds.query(`UPDATE auth_events SET created_at = now() - interval '100 days'`);
if (process.env.PURGE !== '0') {
  const report = await app.get(RetentionService).purge();
  console.log('purge', JSON.stringify(report.deleted));
}
console.log(`after purge: ${await size()}`);
await round('round 2');
await app.close();

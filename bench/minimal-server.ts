/**
 * Reference (a) of the benchmark: the ceiling for an authenticated read on this machine. A bare
 * node:http server that verifies the access token exactly as Warden does (jose jwtVerify, the
 * same key and kid, pinned algorithm, typ, iss, aud, exp/nbf, required claims, clock tolerance)
 * and answers the user's JSON from an in-memory map. No framework, no database, no logging.
 *
 * Env: PORT, HOST, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, USERS_FILE (JSON object: sub → user).
 */
import { calculateJwkThumbprint, jwtVerify } from 'jose';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const secret = new Uint8Array(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8'));
const issuer = process.env.JWT_ISSUER ?? '';
const audience = process.env.JWT_AUDIENCE ?? 'warden';
const users = new Map<string, unknown>(
  Object.entries(JSON.parse(readFileSync(process.env.USERS_FILE ?? '', 'utf8')) as Record<string, unknown>),
);
const kid = await calculateJwkThumbprint({ kty: 'oct', k: Buffer.from(secret).toString('base64url') });
// The same key object as Warden's JwtKeysService: imported once as a WebCrypto HMAC key.
const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function me(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const match = BEARER.exec(req.headers.authorization ?? '');
  const token = match?.[1];
  if (!token || token.length > 4096) return send(res, 401, { statusCode: 401 });
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        if (header.kid !== kid) throw new Error('unknown kid');
        return key;
      },
      {
        algorithms: ['HS256'],
        issuer,
        audience,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'sid', 'exp', 'iat', 'jti'],
        clockTolerance: 5,
      },
    );
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || !Array.isArray(payload.roles)) {
      return send(res, 401, { statusCode: 401 });
    }
    const user = users.get(payload.sub);
    if (!user) return send(res, 404, { statusCode: 404 });
    send(res, 200, user);
  } catch {
    send(res, 401, { statusCode: 401 });
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/users/me') {
    void me(req, res);
    return;
  }
  if (req.url === '/health/ready') return send(res, 200, { status: 'ok' });
  send(res, 404, { statusCode: 404 });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));

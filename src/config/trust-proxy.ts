import { isIP } from 'node:net';

/**
 * Which X-Forwarded-For entries Fastify believes, in the forms of its own `trustProxy` option: a
 * hop count, or the addresses/CIDRs of the proxies. The client address is the first untrusted one
 * counted from the right, so whatever a client writes to the left of it changes nothing.
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for the reserved ranges (127.0.0.0/8 and ::1, 169.254.0.0/16, 10/8 …). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: unset or `false` (no proxy: X-Forwarded-For is ignored), `true` (one hop), a hop
 * count `1`, `2`, …, or a comma-separated list of proxy addresses/CIDRs. A bad value gives the one
 * line printed before the start stops.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | { error: string } {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 32) return { error: `TRUST_PROXY hop count must be at most 32 (got "${value}")` };
    return hops === 0 ? false : hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (bad.length > 0) {
    return {
      error:
        'TRUST_PROXY must be true, false, a hop count (1, 2, …) or a comma-separated list of proxy addresses/CIDRs ' +
        `(not an address: "${bad[0]}")`,
    };
  }
  return entries;
}

/**
 * Fastify's `trustProxy` for the parsed value. A hop count becomes a trust function (trust the
 * socket peer and the next hops-1 entries from the right): Fastify 5 refuses a bare number, since
 * a hop count cannot tell the proxy from a client that reaches the server directly. So with a hop
 * count the server must only be reachable through its proxies; a list of proxy addresses has no
 * such condition.
 */
export function fastifyTrustProxy(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}

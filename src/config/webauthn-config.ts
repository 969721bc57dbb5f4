import { isIP } from 'node:net';
import { ConfigError } from './app-config.js';

export interface WebauthnConfig {
  /** The relying party ID: a registrable domain the origins are on (never an IP address). */
  rpId: string;
  /** The name the browser shows when creating a passkey. */
  rpName: string;
  /** Origins (scheme://host[:port]) whose pages may run a ceremony. */
  origins: string[];
}

export interface WebauthnSettings {
  rpId?: string;
  rpName?: string;
  origins?: string;
}

function originOf(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must hold origins like https://app.example.com (got "${value}")`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.origin !== value.replace(/\/+$/, '')) {
    throw new ConfigError(`${name} must hold origins like https://app.example.com, without a path (got "${value}")`);
  }
  return parsed.origin;
}

/** True when `host` is the RP ID or one of its subdomains (WebAuthn L3 §5.1.3: the RP ID is a registrable suffix of the origin). */
function onRpId(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/**
 * WEBAUTHN_RP_ID (default: APP_URL's host name), WEBAUTHN_RP_NAME (Warden) and WEBAUTHN_ORIGINS
 * (default: APP_URL's origin and those CORS_ORIGINS on the RP ID). Browsers refuse a ceremony whose
 * origin is not on the RP ID, so such a WEBAUTHN_ORIGINS stops the start instead of failing every
 * passkey later. Without WEBAUTHN_* and with an APP_URL on an IP address, passkeys are off
 * (undefined): browsers refuse an IP address as RP ID.
 */
export function webauthnConfig(
  settings: WebauthnSettings,
  appUrl: string,
  corsOrigins: string[],
): WebauthnConfig | undefined {
  const rpId = (settings.rpId ?? new URL(appUrl).hostname).toLowerCase();
  const isAddress = isIP(rpId.replace(/^\[|\]$/g, '')) !== 0;
  // An APP_URL on an IP address (a test or internal setup) leaves passkeys off, not the server down.
  if (isAddress && settings.rpId === undefined && settings.origins === undefined) return undefined;
  if (isAddress) {
    throw new ConfigError(
      `WEBAUTHN_RP_ID must be a domain name, not an IP address (got "${rpId}"); in development use localhost`,
    );
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId) || rpId.length > 253) {
    throw new ConfigError(`WEBAUTHN_RP_ID must be a domain name like example.com (got "${rpId}")`);
  }
  const rpName = settings.rpName ?? 'Warden';
  if (rpName.length > 64) throw new ConfigError('WEBAUTHN_RP_NAME must be at most 64 characters');
  if (settings.origins === undefined) {
    // The default: APP_URL and CORS_ORIGINS, less those a browser would refuse for this RP ID
    // (a CORS origin on another domain keeps working for the other routes).
    const defaults = [new URL(appUrl).origin, ...corsOrigins.map((o) => originOf('CORS_ORIGINS', o))];
    const origins = [...new Set(defaults)].filter((o) => onRpId(new URL(o).hostname, rpId));
    if (origins.length === 0) {
      throw new ConfigError(`WEBAUTHN_RP_ID ${rpId}: neither APP_URL nor CORS_ORIGINS is on it; set WEBAUTHN_ORIGINS`);
    }
    return { rpId, rpName, origins };
  }
  const listed = settings.origins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const origins = [...new Set(listed.map((o) => originOf('WEBAUTHN_ORIGINS', o)))];
  for (const origin of origins) {
    if (!onRpId(new URL(origin).hostname, rpId)) {
      throw new ConfigError(
        `WEBAUTHN_ORIGINS: ${origin} is not on the RP ID ${rpId} (set WEBAUTHN_RP_ID to a domain both share)`,
      );
    }
  }
  return { rpId, rpName, origins };
}

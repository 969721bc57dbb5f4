import type { WardenAuthOptions } from '@warden/nestjs';

export interface ResourceApiConfig {
  port: number;
  warden: WardenAuthOptions;
}

/** The example's settings, from the environment; Warden's URL and introspection secret are required. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ResourceApiConfig {
  const wardenUrl = required(env, 'WARDEN_URL').replace(/\/+$/, '');
  return {
    port: Number(env.PORT ?? 4000),
    warden: {
      issuer: env.WARDEN_ISSUER ?? wardenUrl,
      audience: env.WARDEN_AUDIENCE ?? 'warden',
      mode: 'introspect',
      introspection: {
        url: `${wardenUrl}/auth/introspect`,
        secret: required(env, 'WARDEN_INTROSPECTION_SECRET'),
        cacheTtlSeconds: Number(env.WARDEN_INTROSPECTION_CACHE_SECONDS ?? 5),
      },
    },
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

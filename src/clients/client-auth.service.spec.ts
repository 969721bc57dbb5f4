import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error.js';
import { ClientAuthService } from './client-auth.service.js';
import type { ClientsService } from './clients.service.js';

const auth = new ClientAuthService({} as ClientsService);
const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as FastifyRequest;
const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

function errorOf(run: () => unknown): { code: string; status: number } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return { code: error.code, status: error.getStatus() };
    throw error;
  }
  return undefined;
}

describe('ClientAuthService.presented', () => {
  it('reads client_secret_basic, form-decoding both parts (RFC 6749 2.3.1)', () => {
    expect(auth.presented(req(basic('my%20id:s%3Ac+r%2Bet')), {})).toEqual({
      method: 'client_secret_basic',
      clientId: 'my id',
      secret: 's:c r+et',
    });
  });

  it('reads client_secret_post and none', () => {
    expect(auth.presented(req(), { client_id: 'a', client_secret: 'b' })).toEqual({
      method: 'client_secret_post',
      clientId: 'a',
      secret: 'b',
    });
    expect(auth.presented(req(), { client_id: 'a' })).toEqual({ method: 'none', clientId: 'a', secret: null });
  });

  it("sees no client in Swagger UI's empty Basic header, nor in a bearer header", () => {
    expect(auth.presented(req('Basic Og=='), {})).toBeNull();
    expect(auth.presented(req('Bearer abc'), {})).toBeNull();
    expect(auth.presented(req(), {})).toBeNull();
  });

  it('allows a matching client_id beside Basic, and nothing else', () => {
    expect(auth.presented(req(basic('a:b')), { client_id: 'a' })?.method).toBe('client_secret_basic');
    expect(errorOf(() => auth.presented(req(basic('a:b')), { client_id: 'other' }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
    expect(errorOf(() => auth.presented(req(basic('a:b')), { client_secret: 'b' }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
    expect(errorOf(() => auth.presented(req(), { client_secret: 'b' }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
    expect(errorOf(() => auth.presented(req(), { client_id: ['a', 'b'] }))).toEqual({
      code: 'invalid_request',
      status: 400,
    });
  });

  it('answers a malformed Basic header with 401 invalid_client', () => {
    expect(errorOf(() => auth.presented(req(basic('no-colon')), {}))).toEqual({ code: 'invalid_client', status: 401 });
    expect(errorOf(() => auth.presented(req(basic('%zz:x')), {}))).toEqual({ code: 'invalid_client', status: 401 });
  });
});

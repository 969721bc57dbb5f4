import { loadConfig } from '../config/app-config.js';
import { browserSessionValue, readBrowserSessionValue } from './browser-session-cookie.js';

const SID = '3f0c2a4e-8d51-4b7a-9e0f-1a2b3c4d5e6f';
const UID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' });

describe('the browser session cookie', () => {
  it('names the session and user it was made for', () => {
    const value = browserSessionValue(config, SID, UID);
    expect(value).toMatch(/^v1\.[0-9a-f-]{36}\.[0-9a-f-]{36}\.[\w-]{43}$/);
    expect(readBrowserSessionValue(config, value)).toEqual({ sessionId: SID, userId: UID });
  });

  it('refuses a changed id, a changed or missing signature, another key, and junk', () => {
    const value = browserSessionValue(config, SID, UID);
    const [, , , mac] = value.split('.');
    const other = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'another-test-secret-that-is-long-enough-98765' });
    for (const bad of [
      value.replace(SID, UID),
      `v1.${SID}.${SID}.${mac}`,
      `v1.${SID}.${UID}.${mac.slice(0, -1)}A`,
      `v1.${SID}.${UID}`,
      `v2.${SID}.${UID}.${mac}`,
      `v1.${SID}.${UID}.${mac}.x`,
      'v1.not-a-uuid.x.y',
      '',
      undefined,
      'x'.repeat(500),
    ]) {
      expect(readBrowserSessionValue(config, bad)).toBeNull();
    }
    expect(readBrowserSessionValue(other, value)).toBeNull();
  });
});

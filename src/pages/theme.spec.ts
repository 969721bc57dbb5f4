import { loadConfig } from '../config/app-config.js';
import { retryAfterInWords } from './retry-after.js';
import { faviconSvg, themeCss } from './theme.js';

const env = { NODE_ENV: 'test', JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' };

describe('branding', () => {
  it('UI_TITLE and UI_PRIMARY_COLOR default to Warden and #1d4ed8; #rgb is expanded', () => {
    expect(loadConfig(env).ui).toEqual({ title: 'Warden', primaryColor: '#1d4ed8' });
    expect(loadConfig({ ...env, UI_TITLE: 'Acme ID', UI_PRIMARY_COLOR: '#0F7' }).ui).toEqual({
      title: 'Acme ID',
      primaryColor: '#00ff77',
    });
  });

  it.each(['blue', '#12345', '#1234567', 'rgb(0,0,0)', '#12345g', '#fff;}body{display:none'])(
    'refuses UI_PRIMARY_COLOR=%j',
    (value) => {
      expect(() => loadConfig({ ...env, UI_PRIMARY_COLOR: value })).toThrow(/UI_PRIMARY_COLOR must be a hex colour/);
    },
  );

  it('refuses a UI_TITLE over 60 characters or on two lines', () => {
    expect(() => loadConfig({ ...env, UI_TITLE: 'x'.repeat(61) })).toThrow(/UI_TITLE must be at most 60 characters/);
    expect(() => loadConfig({ ...env, UI_TITLE: 'Acme\nID' })).toThrow(/one line/);
  });

  it('the theme sets the primary colour, with white text on a dark colour and dark text on a light one', () => {
    expect(themeCss('#1d4ed8')).toContain('--pico-primary: #1d4ed8;');
    expect(themeCss('#1d4ed8')).toContain('--pico-primary-inverse: #fff;');
    expect(themeCss('#fde047')).toContain('--pico-primary-inverse: #111;');
  });

  it('the favicon shows the title letter, escaped', () => {
    expect(faviconSvg('acme', '#1d4ed8')).toContain('>A</text>');
    expect(faviconSvg('<x>', '#1d4ed8')).not.toContain('<x');
  });

  it.each([
    [1, '1 second'],
    [45, '45 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [900, '15 minutes'],
    [3600, '1 hour'],
    [7200, '2 hours'],
  ])('says Retry-After %i as "%s"', (seconds, words) => {
    expect(retryAfterInWords(seconds)).toBe(words);
  });
});

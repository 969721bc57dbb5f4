import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { LocalhostOrigin } from './localhost-origin.js';

/** The UMD bundle of @simplewebauthn/browser (global `SimpleWebAuthnBrowser`), as a page would load it. */
const SIMPLEWEBAUTHN_BUNDLE = join(process.cwd(), 'node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js');

const PAGE_PREFIX = '/__passkey-test/';
const TEST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Passkey test page</title>
<script src="${PAGE_PREFIX}simplewebauthn-browser.js"></script></head>
<body><main><h1>Passkey test page</h1><p id="status">ready</p></main></body></html>`;

/**
 * One origin for the test page and Warden (see LocalhostOrigin: WebAuthn needs a domain as RP ID
 * and a page on that origin): the static test page and the browser bundle under /__passkey-test/,
 * every other request passed through to Warden unchanged.
 */
export class PasskeyTestOrigin extends LocalhostOrigin {
  /** The page every ceremony runs on. */
  get pageUrl(): string {
    return `${this.origin}${PAGE_PREFIX}`;
  }

  protected override serveOwn(path: string, res: ServerResponse): boolean {
    if (path === PAGE_PREFIX) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(TEST_PAGE);
      return true;
    }
    if (path === `${PAGE_PREFIX}simplewebauthn-browser.js`) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(readFileSync(SIMPLEWEBAUTHN_BUNDLE));
      return true;
    }
    return false;
  }
}

/** A credential as the DevTools virtual authenticator holds it. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  userHandle: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

/**
 * The DevTools WebAuthn virtual authenticator of the page's browser: a platform authenticator
 * (CTAP2, internal transport) with resident keys and user verification that always succeeds,
 * as Touch ID or Windows Hello would after the user's unlock. Its credentials are synced
 * passkeys (backup eligible and backed up), like those of a password manager or iCloud Keychain.
 */
export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    readonly authenticatorId: string,
  ) {}

  static async attach(page: Page): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        defaultBackupEligibility: true,
        defaultBackupState: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId });
    return credentials as VirtualCredential[];
  }

  async detach(): Promise<void> {
    await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.authenticatorId });
    await this.cdp.detach();
  }
}

/** The page's globals these helpers use: the UMD bundle's exports (the tests compile without the DOM lib). */
interface InPageGlobals {
  SimpleWebAuthnBrowser: {
    startRegistration(args: { optionsJSON: unknown }): Promise<unknown>;
    startAuthentication(args: { optionsJSON: unknown }): Promise<unknown>;
  };
}
type Started = { challenge_id: string; options: unknown };

/** What a fetch() in the page saw. */
export interface PageResult<T = any> {
  status: number;
  body: T;
}

/**
 * The ceremonies as a page's own script runs them: fetch() on Warden's origin (so the browser
 * adds Origin and the cookies itself) and @simplewebauthn/browser's startRegistration /
 * startAuthentication, which call navigator.credentials.create() / get().
 */
export const inPage = {
  /** POST /auth/login with the password: Warden sets the session cookies. */
  passwordLogin(page: Page, email: string, password: string): Promise<PageResult> {
    return page.evaluate(
      async ([email, password]) => {
        const res = await fetch('/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        return { status: res.status, body: await res.json() };
      },
      [email, password],
    );
  },

  /** Registration options, navigator.credentials.create(), POST /auth/passkeys/registration (cookie session). */
  registerPasskey(page: Page, name: string): Promise<PageResult & { optionsStatus: number }> {
    return page.evaluate(async (name) => {
      const { startRegistration } = (globalThis as unknown as InPageGlobals).SimpleWebAuthnBrowser;
      const started = await fetch('/auth/passkeys/registration/options', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { challenge_id, options } = (await started.json()) as Started;
      const credential = await startRegistration({ optionsJSON: options });
      const res = await fetch('/auth/passkeys/registration', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge_id, credential, name }),
      });
      return { optionsStatus: started.status, status: res.status, body: await res.json() };
    }, name);
  },

  /** Login options, navigator.credentials.get() (no email typed: a discoverable credential), POST /auth/login/passkey. */
  cookiePasskeyLogin(page: Page): Promise<PageResult> {
    return page.evaluate(async () => {
      const { startAuthentication } = (globalThis as unknown as InPageGlobals).SimpleWebAuthnBrowser;
      const started = await fetch('/auth/passkeys/authentication/options', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { challenge_id, options } = (await started.json()) as Started;
      const credential = await startAuthentication({ optionsJSON: options });
      const res = await fetch('/auth/login/passkey', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge_id, credential }),
      });
      return { status: res.status, body: await res.json() };
    });
  },

  /**
   * The bearer passkey login a single-page app would make: options, navigator.credentials.get(),
   * the passkey grant on POST /auth/token, then GET /users/me with the access token. No cookie
   * is sent or kept (credentials: 'omit').
   */
  grantPasskeyLogin(page: Page): Promise<PageResult & { me: PageResult }> {
    return page.evaluate(async () => {
      const { startAuthentication } = (globalThis as unknown as InPageGlobals).SimpleWebAuthnBrowser;
      const started = await fetch('/auth/passkeys/authentication/options', {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { challenge_id, options } = (await started.json()) as Started;
      const credential = await startAuthentication({ optionsJSON: options });
      const res = await fetch('/auth/token', {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:warden:params:oauth:grant-type:passkey',
          challenge_id,
          credential: JSON.stringify(credential),
        }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      const me = body.access_token
        ? await fetch('/users/me', { credentials: 'omit', headers: { authorization: `Bearer ${body.access_token}` } })
        : null;
      return {
        status: res.status,
        body,
        me: me ? { status: me.status, body: await me.json() } : { status: 0, body: null },
      };
    });
  },

  /** A JSON request of the page, with its cookies. */
  fetchJson(page: Page, method: string, path: string): Promise<PageResult> {
    return page.evaluate(
      async ([method, path]) => {
        const res = await fetch(path, { method });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null };
      },
      [method, path],
    );
  },
};

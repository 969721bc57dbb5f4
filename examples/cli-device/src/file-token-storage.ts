import { readFile, rm, writeFile } from 'node:fs/promises';
import type { TokenSet, TokenStorage } from '@warden/client';

/** Keeps the session's tokens in a file only its owner can read (mode 0600), as a CLI does. */
export class FileTokenStorage implements TokenStorage {
  constructor(private readonly path: string) {}

  async get(): Promise<TokenSet | null> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as TokenSet;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async set(tokens: TokenSet | null): Promise<void> {
    if (tokens === null) await rm(this.path, { force: true });
    else await writeFile(this.path, JSON.stringify(tokens), { mode: 0o600 });
  }
}

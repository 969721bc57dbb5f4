import { createInterface } from 'node:readline';
import { deviceLogin } from './device-login.js';
import { FileTokenStorage } from './file-token-storage.js';

/** The password from WARDEN_PASSWORD, else the first line of standard input (never an argument: ps shows those). */
async function password(): Promise<string> {
  if (process.env.WARDEN_PASSWORD) return process.env.WARDEN_PASSWORD;
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

const { WARDEN_URL, WARDEN_USERNAME, WARDEN_TOKEN_FILE } = process.env;
if (!WARDEN_URL || !WARDEN_USERNAME) {
  console.error('Set WARDEN_URL and WARDEN_USERNAME (and WARDEN_PASSWORD, or give the password on standard input)');
  process.exit(2);
}

try {
  process.exitCode = await deviceLogin(
    {
      baseUrl: WARDEN_URL,
      username: WARDEN_USERNAME,
      password: await password(),
      storage: WARDEN_TOKEN_FILE ? new FileTokenStorage(WARDEN_TOKEN_FILE) : undefined,
    },
    { out: (line) => console.log(line), err: (line) => console.error(line) },
  );
} catch (error) {
  const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
  console.error(`Cannot talk to Warden at ${WARDEN_URL}: ${cause}`);
  process.exitCode = 1;
}

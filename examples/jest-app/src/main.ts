import { createApp, wardenOptions } from './app.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const url = required('WARDEN_URL').replace(/\/+$/, '');
const app = await createApp(
  wardenOptions(url, process.env.WARDEN_ISSUER ?? url, required('WARDEN_INTROSPECTION_SECRET')),
);
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 4100);
await app.listen(port, '127.0.0.1');
console.log(`jest-app listening on http://127.0.0.1:${port}`);

import { startSpaServer } from './server.js';

const wardenUrl = process.env.WARDEN_URL;
if (!wardenUrl) {
  console.error("Set WARDEN_URL (Warden's base URL; this page's origin must be in its CORS_ORIGINS)");
  process.exit(2);
}
const spa = await startSpaServer({
  wardenUrl,
  port: Number(process.env.PORT ?? 5173),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`spa listening on ${spa.url} (Warden: ${wardenUrl})`);

import { createResourceApi } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const app = await createResourceApi(config.warden);
app.enableShutdownHooks();
await app.listen(config.port, '127.0.0.1');
console.log(`resource-api listening on http://127.0.0.1:${config.port}`);

// The entry of the production bundle (dist/warden.mjs, run by `npm run start:prod`): production
// unless NODE_ENV says otherwise, so a forgotten variable never starts a development server
// (generated JWT secret, mail bodies in the log, open /metrics). Set before main.ts loads anything.
if (!process.env.NODE_ENV?.trim()) process.env.NODE_ENV = 'production';
await import('./main.js');

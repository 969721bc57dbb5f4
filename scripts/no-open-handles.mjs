// Runs jest with --detectOpenHandles and the given arguments, and fails when jest reports an open
// handle (jest itself only prints them and exits 0).
import { spawn } from 'node:child_process';

const args = [
  '--experimental-vm-modules',
  '--no-warnings',
  'node_modules/jest/bin/jest.js',
  '--detectOpenHandles',
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'pipe'] });
let output = '';
child.stderr.on('data', (chunk) => {
  output += chunk;
  process.stderr.write(chunk);
});
child.on('close', (code) => {
  if (code !== 0) process.exit(code ?? 1);
  if (/open handles? potentially keeping Jest from exiting/.test(output)) {
    console.error('no-open-handles: jest reported an open handle (see above)');
    process.exit(1);
  }
});

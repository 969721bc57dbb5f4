// After tsc: the password list Warden reads next to its module, and the marker that makes
// dist/cjs/ CommonJS inside this ES module package.
const { cpSync, writeFileSync } = require('node:fs');

cpSync('../../src/users/common-passwords.txt', 'dist/src/users/common-passwords.txt');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');

import { Init1795240735573 } from './1795240735573-Init.js';
import { SessionScope1795241262711 } from './1795241262711-SessionScope.js';

// Every migration, oldest first. `npm run migration:check` fails when a file in this folder is
// missing here, so a generated migration cannot be forgotten.
export const allMigrations = [Init1795240735573, SessionScope1795241262711];

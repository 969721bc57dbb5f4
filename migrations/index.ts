import { Init1795240735573 } from './1795240735573-Init.js';
import { UserChangeNotify1795243215049 } from './1795243215049-UserChangeNotify.js';

// Every migration, oldest first. `npm run migration:check` fails when a file in this folder is
// missing here, so a generated migration cannot be forgotten.
export const allMigrations = [Init1795240735573, UserChangeNotify1795243215049];

import { Init1795240735573 } from './1795240735573-Init.js';
import { MailAndCodes1795241199545 } from './1795241199545-MailAndCodes.js';
import { SessionScope1795241262711 } from './1795241262711-SessionScope.js';
import { UserChangeNotify1795243215049 } from './1795243215049-UserChangeNotify.js';
import { AbuseLimitsAndAudit1795244646441 } from './1795244646441-AbuseLimitsAndAudit.js';
import { LoginThrottleReserve1795253132806 } from './1795253132806-LoginThrottleReserve.js';
import { LoginSessionCreate1795256506591 } from './1795256506591-LoginSessionCreate.js';
import { LoginAttemptsInFlight1795262000000 } from './1795262000000-LoginAttemptsInFlight.js';
import { RetentionIndexes1796307274317 } from './1796307274317-RetentionIndexes.js';
import { MfaFactors1797000000000 } from './1797000000000-MfaFactors.js';
import { SessionAssurance1797000100000 } from './1797000100000-SessionAssurance.js';
import { Passkeys1797000200000 } from './1797000200000-Passkeys.js';
import { OAuthClients1797000300000 } from './1797000300000-OAuthClients.js';
import { AuthorizationCodes1797000400000 } from './1797000400000-AuthorizationCodes.js';
import { FederatedIdentities1797000700000 } from './1797000700000-FederatedIdentities.js';

// Every migration, oldest first. `npm run migration:check` fails when a file in this folder is
// missing here, so a generated migration cannot be forgotten.
export const allMigrations = [
  Init1795240735573,
  MailAndCodes1795241199545,
  SessionScope1795241262711,
  UserChangeNotify1795243215049,
  AbuseLimitsAndAudit1795244646441,
  LoginThrottleReserve1795253132806,
  LoginSessionCreate1795256506591,
  LoginAttemptsInFlight1795262000000,
  RetentionIndexes1796307274317,
  MfaFactors1797000000000,
  SessionAssurance1797000100000,
  Passkeys1797000200000,
  OAuthClients1797000300000,
  AuthorizationCodes1797000400000,
  FederatedIdentities1797000700000,
];

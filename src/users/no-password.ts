/** The answer for a password re-check on an account that has none yet (made by another provider's sign-in). */
export const NO_PASSWORD = 'This account has no password yet; set one through forgot-password first';

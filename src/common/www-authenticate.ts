/** A `WWW-Authenticate: Bearer` challenge (RFC 6750): no error when no token was presented. */
export function bearerChallenge(error?: 'invalid_token' | 'insufficient_scope', scope?: string): string {
  let value = 'Bearer realm="warden"';
  if (error) value += `, error="${error}"`;
  if (scope) value += `, scope="${scope}"`;
  return value;
}

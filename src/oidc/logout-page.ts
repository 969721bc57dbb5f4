import type { FastifyReply } from 'fastify';
import type { LogoutParams } from './logout-params.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title></head>` +
    `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`
  );
}

/**
 * The logout pages: no script and no style at all, so the CSP allows nothing but the one form
 * (posting to Warden, then redirected to the client's registered address: `form-action` must
 * allow that origin too, or the browser stops the redirect).
 */
function send(reply: FastifyReply, status: number, html: string, formTargets: string[] = []): void {
  const formAction = formTargets.length > 0 ? `'self' ${formTargets.join(' ')}` : "'none'";
  void reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      `default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action ${formAction}`,
    )
    .send(html);
}

export function sendSignedOut(reply: FastifyReply): void {
  send(reply, 200, page('You are signed out', '<p>You have been signed out of Warden. You can close this window.</p>'));
}

export function sendLogoutError(reply: FastifyReply, message: string): void {
  send(
    reply,
    400,
    page(
      'Sign-out request not accepted',
      `<p>${escape(message)}</p><p>Nothing was changed: you are still signed in.</p>`,
    ),
  );
}

/** Without an id_token_hint the user confirms: a link alone must not sign anybody out. */
export function sendLogoutConfirmation(reply: FastifyReply, params: LogoutParams, redirectOrigin?: string): void {
  const hidden = (
    [
      ['client_id', params.clientId],
      ['post_logout_redirect_uri', params.postLogoutRedirectUri],
      ['state', params.state],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value!)}">`)
    .join('');
  send(
    reply,
    200,
    page(
      'Sign out of Warden?',
      `<form method="post" action="/oauth/logout">${hidden}<button type="submit">Sign out</button></form>`,
    ),
    redirectOrigin ? [redirectOrigin] : [],
  );
}

import { createWardenCookieClient, type ErrorResponse, type User } from '@warden/client';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const wardenUrl = document.querySelector<HTMLMetaElement>('meta[name="warden-url"]')!.content;
const warden = createWardenCookieClient({ baseUrl: wardenUrl });

const signInForm = byId<HTMLFormElement>('sign-in');
const signedIn = byId('signed-in');
const errorLine = byId('error');

/** Renders the page for a signed-in user, or the sign-in form; `data-state` says which. */
function show(user: User | null): void {
  byId('loading').hidden = true;
  signInForm.hidden = user !== null;
  signedIn.hidden = user === null;
  byId('user-email').textContent = user?.email ?? '';
  byId('user-roles').textContent = user?.roles.join(', ') ?? '';
  document.body.dataset.state = user ? 'signed-in' : 'signed-out';
}

function describe(status: number, error: ErrorResponse): string {
  if (status === 401) return 'Wrong email or password';
  if (status === 429) return 'Too many attempts: wait a moment and try again';
  return Array.isArray(error.message) ? error.message.join('; ') : error.message;
}

async function signIn(): Promise<void> {
  errorLine.textContent = '';
  const field = (name: string) => signInForm.querySelector<HTMLInputElement>(`input[name="${name}"]`)!.value;
  const result = await warden.login(field('email'), field('password'));
  if (result.error) {
    errorLine.textContent = describe(result.status, result.error);
    return;
  }
  if (result.mfa) {
    errorLine.textContent = 'This account signs in with a second factor, which this page does not ask for';
    return;
  }
  signInForm.reset();
  show(result.user);
}

async function signOut(): Promise<void> {
  await warden.logout();
  show(null);
}

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn();
});
byId('sign-out').addEventListener('click', () => void signOut());

// The session lives in Warden's HttpOnly cookies: a reload asks Warden who is signed in (and
// refreshes through the refresh cookie when the access cookie has expired).
const { data } = await warden.api.GET('/users/me');
show(data ?? null);

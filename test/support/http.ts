export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

async function toResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body, text };
}

export async function request(
  base: string,
  method: string,
  path: string,
  options: {
    json?: unknown;
    form?: Record<string, string>;
    token?: string;
    headers?: Record<string, string>;
    raw?: string;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return toResult(await fetch(base + path, { method, headers, body }));
}

/** A small client bound to one server. */
export function client(base: string) {
  return {
    get: (path: string, o: Parameters<typeof request>[3] = {}) => request(base, 'GET', path, o),
    post: (path: string, o: Parameters<typeof request>[3] = {}) => request(base, 'POST', path, o),
    patch: (path: string, o: Parameters<typeof request>[3] = {}) => request(base, 'PATCH', path, o),
    put: (path: string, o: Parameters<typeof request>[3] = {}) => request(base, 'PUT', path, o),
    delete: (path: string, o: Parameters<typeof request>[3] = {}) => request(base, 'DELETE', path, o),
  };
}

export type Client = ReturnType<typeof client>;

/** Registers (JSON) and logs in with the password grant; returns the token response. */
export async function registerAndLogin(http: Client, email: string, password = 'correct horse battery staple') {
  const registered = await http.post('/auth/register', { json: { email, password } });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  const token = await http.post('/auth/token', { form: { grant_type: 'password', username: email, password } });
  if (token.status !== 200) throw new Error(`login failed: ${token.status} ${token.text}`);
  return {
    user: registered.body,
    tokens: token.body as { access_token: string; refresh_token: string; scope: string },
  };
}

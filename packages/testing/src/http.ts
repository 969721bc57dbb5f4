/** A JSON or form request to Warden; the parsed body (or text) with the status. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; form?: Record<string, string>; token?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Throws with Warden's answer (status and error body, never a request's secret) unless `status` came back. */
export function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) {
    const { error, message, error_description } = answer.body;
    const detail = [error, error_description, message]
      .filter((v) => v !== undefined)
      .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
      .join(': ');
    throw new Error(`${what}: Warden answered ${answer.status}${detail ? ` (${detail})` : ''}`);
  }
  return answer;
}

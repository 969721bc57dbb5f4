import fc from 'fast-check';
import { anyJson, anyKey, anyString, hostileValue, nastyString, plausibleValue, rawBody, rawForm } from './values.js';

interface Schema {
  type?: string;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  $ref?: string;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string; schema?: Schema }>;
        requestBody?: { content: Record<string, { schema: Schema }> };
        security?: unknown[];
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

/** One route and method of the OpenAPI document, with what it takes. */
export interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: Record<string, Schema | undefined>;
  body?: Schema;
  contentTypes: string[];
}

export type AuthKind = 'none' | 'user' | 'admin' | 'garbage' | 'cookie';

/** A generated request; auth is resolved when it is sent (tokens may have been renewed). */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  auth: AuthKind;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema?: Schema) => (schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema);
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const first = Object.values(content)[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, p.schema])),
        body: first ? resolve(first.schema) : undefined,
        contentTypes: Object.keys(content),
      });
    }
  }
  return operations;
}

/** encodeURIComponent that survives lone surrogates (it throws on them): they become U+FFFD. */
function encode(text: string): string {
  return encodeURIComponent(
    text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}

/** Builds a JSON object without letting `__proto__` set the prototype (it stays an own key). */
function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function formOf(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `value=${encode(String(value))}`;
  const params: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      const text = item !== null && typeof item === 'object' ? JSON.stringify(item) : String(item);
      params.push(`${encode(key)}=${encode(text)}`);
    }
  }
  return params.join('&');
}

/**
 * A body shaped by the schema. Half are well-formed except for (at most) one field or one extra
 * key, so that they get past validation into the services; the rest are hostile throughout.
 */
function schemaObject(schema: Schema | undefined, victimEmail: string): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema?.properties ?? {});
  const fields = (value: (name: string, s: Schema) => fc.Arbitrary<unknown>, freq: number) =>
    fc.tuple(...props.map(([name, s]) => fc.option(value(name, s), { nil: undefined, freq })));
  const build = (values: unknown[], extras: Array<[string, unknown]>) =>
    objectOf([
      ...props.flatMap(([name], i): Array<[string, unknown]> => (values[i] === undefined ? [] : [[name, values[i]]])),
      ...extras,
    ]);
  const wellFormed = fc
    .tuple(
      fields((name, s) => plausibleValue(name, s, victimEmail), 8),
      fc.option(fc.tuple(fc.oneof(fc.constantFrom(...props.map(([n]) => n), 'extra'), anyKey), anyJson), { freq: 3 }),
    )
    .map(([values, mutation]) => build(values, mutation ? [mutation] : []));
  const hostile = fc
    .tuple(
      fields((name, s) => hostileValue(name, s, victimEmail), 4),
      fc.array(fc.tuple(anyKey, anyJson), { maxLength: 2 }),
    )
    .map(([values, extras]) => build(values, extras));
  return fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 2, arbitrary: hostile });
}

const pathValue = (victimId: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.uuid().map((id) => encode(id)) },
    { weight: 1, arbitrary: fc.constant(victimId) },
    { weight: 3, arbitrary: anyString.map((s) => encode(s)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('..', '..%2F..%2Fetc%2Fpasswd', '%00', '%0d%0a', '%E0%A4%A', ' ', '%252e%252e'),
    },
  );

const queryString = (op: Operation): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    {
      weight: 4,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...Object.keys(op.query), 'page', 'limit'), anyKey),
            fc.oneof(anyString, fc.integer().map(String), fc.constantFrom('-1', '0', '101', '1.5', '1e309', '')),
          ),
          { maxLength: 4 },
        )
        .map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'page[$gt]=0',
        '__proto__[polluted]=yes',
        'constructor[prototype][polluted]=yes',
        'limit=1&limit=2',
        'email=%',
        'email[]=a&email[]=b',
        `email=${'%25'.repeat(2000)}`,
      ),
    },
  );

/** Header values must be valid for fetch (no CR/LF/NUL); printable ASCII oddities only. */
const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  nastyString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
);

const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'x-request-id': headerText,
      'x-forwarded-for': fc.oneof(headerText, fc.ipV4(), fc.ipV6()),
      origin: fc.constantFrom('http://localhost:3000', 'https://evil.example', 'null'),
      'accept-language': headerText,
    },
    { requiredKeys: [] },
  )
  .map((headers) => ({ ...headers }));

function bodyArb(op: Operation, victimEmail: string): fc.Arbitrary<{ contentType?: string; body?: string }> {
  const json = schemaObject(op.body, victimEmail).map((o) => ({
    contentType: 'application/json',
    body: JSON.stringify(o),
  }));
  const choices: Array<fc.WeightedArbitrary<{ contentType?: string; body?: string }>> = [
    { weight: op.body ? 5 : 1, arbitrary: json },
    {
      weight: 2,
      arbitrary: anyJson.map((v) => ({ contentType: 'application/json', body: JSON.stringify(v) ?? 'null' })),
    },
    { weight: 2, arbitrary: rawBody.map((body) => ({ contentType: 'application/json', body })) },
    {
      weight: op.body ? 2 : 1,
      arbitrary: schemaObject(op.body, victimEmail).map((o) => ({
        contentType: 'application/x-www-form-urlencoded',
        body: formOf(o),
      })),
    },
    { weight: 1, arbitrary: rawForm.map((body) => ({ contentType: 'application/x-www-form-urlencoded', body })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'multipart/form-data; boundary=x',
            'application/json; charset=utf-16',
            'application/x-www-form-urlencoded; charset=latin1',
            'application/vnd.api+json',
          ),
          rawBody,
        )
        .map(([contentType, body]) => ({ contentType, body })),
    },
    { weight: op.body ? 1 : 4, arbitrary: fc.constant({}) },
  ];
  return fc.oneof(...choices);
}

export function requestArb(op: Operation, victim: { id: string; email: string }): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      params: fc.tuple(...op.pathParams.map(() => pathValue(victim.id))),
      query: queryString(op),
      headers: headersArb,
      body: bodyArb(op, victim.email),
      auth: fc.constantFrom<AuthKind>('none', 'user', 'admin', 'admin', 'garbage', 'cookie'),
    })
    .map(({ params, query, headers, body, auth }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => params[i++]);
      return {
        method: op.method,
        url: path + (query ? `?${query}` : ''),
        headers: { ...headers, ...(body.contentType ? { 'content-type': body.contentType } : {}) },
        body: body.body,
        auth,
      };
    });
}

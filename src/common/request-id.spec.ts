import type { IncomingMessage } from 'node:http';
import { requestIdFor } from './request-id.js';

const req = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;

describe('requestIdFor', () => {
  it('echoes an id of up to 128 characters of [A-Za-z0-9._-]', () => {
    expect(requestIdFor(req('trace-01.A_b'))).toBe('trace-01.A_b');
    expect(requestIdFor(req('a'.repeat(128)))).toBe('a'.repeat(128));
  });

  it.each([undefined, '', 'a'.repeat(129), 'has space', 'quote"', 'new\nline'])('replaces %p with a UUID', (id) => {
    expect(requestIdFor(req(id))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-body.js';

const buf = (text: string) => Buffer.from(text, 'utf8');

describe('nestsDeeperThan', () => {
  it('counts object and array nesting', () => {
    expect(nestsDeeperThan(buf('{"a":[1,{"b":2}]}'), 3)).toBe(false);
    expect(nestsDeeperThan(buf('{"a":[1,{"b":[2]}]}'), 3)).toBe(true);
    expect(nestsDeeperThan(buf('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(buf('['.repeat(20_000)), MAX_JSON_DEPTH)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(buf(`{"a":"${'[{'.repeat(100)}"}`), 1)).toBe(false);
    expect(nestsDeeperThan(buf(`{"a":"\\"[[[[\\\\","b":1}`), 1)).toBe(false);
    expect(nestsDeeperThan(buf('{"é🙂":"[[[["}'), 1)).toBe(false);
  });
});

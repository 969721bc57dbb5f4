import { parseDurationSeconds } from './duration.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['30s', 30],
    ['10m', 600],
    ['12h', 43200],
    ['30d', 2592000],
    ['45', 45],
  ])('reads %s as %d seconds', (input, seconds) => {
    expect(parseDurationSeconds(input)).toBe(seconds);
  });

  it.each(['', 'ten minutes', '10w', '-5', '1.5h'])('rejects %p', (input) => {
    expect(parseDurationSeconds(input)).toBeUndefined();
  });
});

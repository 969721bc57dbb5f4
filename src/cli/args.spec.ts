import { parseArgs, stringFlag } from './args.js';

describe('parseArgs', () => {
  it('reads the command, valued flags, switches and positionals', () => {
    const args = parseArgs(['user:create', '--email', 'a@b.c', '--admin', '--password=x y', 'file.csv']);
    expect(args.command).toBe('user:create');
    expect(stringFlag(args, 'email')).toBe('a@b.c');
    expect(args.flags.admin).toBe(true);
    expect(stringFlag(args, 'password')).toBe('x y');
    expect(args.positional).toEqual(['file.csv']);
  });

  it('keeps every value of a repeated flag, in order', () => {
    const args = parseArgs(['client:create', '--redirect-uri', 'https://a/cb', '--redirect-uri=https://b/cb', '--x']);
    expect(args.values['redirect-uri']).toEqual(['https://a/cb', 'https://b/cb']);
    expect(args.values.x).toBeUndefined();
  });
});

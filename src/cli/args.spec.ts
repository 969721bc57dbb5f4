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
});

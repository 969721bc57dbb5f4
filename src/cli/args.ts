export interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  flags: Record<string, string | true>;
  /** Every value of each flag, in order, for flags that may repeat (`--redirect-uri A --redirect-uri B`). */
  values: Record<string, string[]>;
}

/** Minimal `command --flag value --switch positional` parser (no dependency needed). */
export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  const flags: Record<string, string | true> = {};
  const values: Record<string, string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      const next = rest[i + 1];
      if (inline !== undefined) flags[name] = inline;
      else if (next !== undefined && !next.startsWith('--')) {
        flags[name] = next;
        i++;
      } else flags[name] = true;
      if (typeof flags[name] === 'string') (values[name] ??= []).push(flags[name]);
    } else positional.push(arg);
  }
  return { command, positional, flags, values };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}

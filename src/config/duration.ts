const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `30s`, `10m`, `12h`, `30d` or plain seconds into seconds; undefined when malformed. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] || 's';
  return amount * UNIT_SECONDS[unit];
}

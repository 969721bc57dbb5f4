import type { LoadFigures } from './load.js';

export interface ScenarioResult extends Partial<LoadFigures> {
  name: string;
  /** Set when the scenario could not run (its warm-up request failed). */
  unavailable?: string;
  /** Whether errors above 1% make the benchmark fail. */
  must_work: boolean;
  peak_rss_mib?: number;
  /** Server CPU time (user + system) per successful request, in ms. */
  cpu_ms_per_request?: number;
  ratio?: { to: string; value: number };
  extra?: Record<string, number | string>;
}

export interface Target {
  name: string;
  status: 'met' | 'not met' | 'not measured';
  detail: string;
}

const pad = (value: string, width: number) => value.padEnd(width);
const num = (value: number | undefined, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));

export function scenarioTable(rows: ScenarioResult[]): string {
  const header = `${pad('scenario', 44)}${pad('conns', 7)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 9)}${pad('peak RSS', 11)}${pad('CPU/req', 10)}ratio`;
  const lines = rows.map((r) => {
    if (r.unavailable) return `${pad(r.name, 44)}n/a (${r.unavailable})`;
    const ratio = r.ratio ? `${(r.ratio.value * 100).toFixed(0)}% of ${r.ratio.to}` : '';
    return (
      pad(r.name, 44) +
      pad(num(r.connections), 7) +
      pad(num(r.req_per_s, 1), 10) +
      pad(num(r.p50_ms, 1), 9) +
      pad(num(r.p99_ms, 1), 9) +
      pad(r.errors === undefined ? '-' : String(r.errors), 9) +
      pad(r.peak_rss_mib === undefined ? '-' : `${r.peak_rss_mib.toFixed(0)} MiB`, 11) +
      pad(r.cpu_ms_per_request === undefined ? '-' : `${r.cpu_ms_per_request.toFixed(3)} ms`, 10) +
      ratio
    );
  });
  return [header, '-'.repeat(header.length + 12), ...lines].join('\n');
}

export function target(
  name: string,
  measured: number | undefined,
  ok: (v: number) => boolean,
  detail: (v: number) => string,
): Target {
  if (measured === undefined || Number.isNaN(measured))
    return { name, status: 'not measured', detail: 'scenario not available' };
  return { name, status: ok(measured) ? 'met' : 'not met', detail: detail(measured) };
}

export function targetLines(targets: Target[]): string {
  return targets.map((t) => `  [${t.status}] ${t.name}: ${t.detail}`).join('\n');
}

/** Scenarios that should work but had more than 1% errors: the benchmark exits 1. */
export function failures(rows: ScenarioResult[]): string[] {
  return rows
    .filter((r) => r.must_work && !r.unavailable && (r.error_rate ?? 0) > 0.01)
    .map((r) => `${r.name}: ${r.errors} errors of ${r.requests} requests (${JSON.stringify(r.status_counts)})`);
}

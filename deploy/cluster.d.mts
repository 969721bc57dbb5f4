import type { ChildProcess } from 'node:child_process';

export const HAPROXY_CONFIG: string;

export interface Instance {
  name: string;
  port: number;
  url: string;
  pid: number;
  child: ChildProcess;
  /** The exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals>;
}

export interface Haproxy {
  pid: number;
  child: ChildProcess;
  exited: Promise<number | NodeJS.Signals>;
  url: string;
  statsUrl: string;
  logFile: string;
  /** HAProxy's admin socket. */
  socket: string;
}

export interface Cluster {
  dir: string;
  instances: Instance[];
  haproxy: Haproxy;
  url: string;
  statsUrl: string;
  restart(name: string): Promise<Instance>;
  stop(options?: { keepDir?: boolean }): Promise<Record<string, number | NodeJS.Signals>>;
}

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  smtpUrl: string;
  lbPort?: number;
  statsPort?: number;
  /** Extra environment for every instance. */
  env?: Record<string, string>;
  /** Where keys and logs go (a new temporary directory by default). */
  dir?: string;
}

export function freePort(): Promise<number>;
export function ensureDatabase(databaseUrl: string, options?: { reset?: boolean }): Promise<void>;
export function serverStates(statsUrl: string): Promise<Record<string, string>>;
export function serverStats(statsUrl: string): Promise<Record<string, { status: string; inFlight: number }>>;
export function haproxyCommand(socket: string, command: string): Promise<string>;
export function startCluster(options: ClusterOptions): Promise<Cluster>;

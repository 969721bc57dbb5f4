import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export const HAPROXY_CONFIG: string;
export const NAMES: string[];

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

export function freePort(): Promise<number>;
export function ensureDatabase(databaseUrl: string, options?: { reset?: boolean }): Promise<void>;
export function serverStates(statsUrl: string): Promise<Record<string, string>>;
export function serverStats(statsUrl: string): Promise<Record<string, { status: string; inFlight: number }>>;
export function haproxyCommand(socket: string, command: string): Promise<string>;

import type { Haproxy, Instance } from './processes.mjs';

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

export function startCluster(options: ClusterOptions): Promise<Cluster>;

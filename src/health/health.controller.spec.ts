import { ServiceUnavailableException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { HealthController } from './health.controller.js';
import type { RedisProbe } from './redis-probe.js';

describe('HealthController', () => {
  it('is ready when the database answers', async () => {
    const controller = new HealthController({
      query: () => Promise.resolve([{ '?column?': 1 }]),
    } as unknown as DataSource);
    await expect(controller.ready()).resolves.toEqual({ status: 'ok', database: 'up' });
  });

  it('answers 503 when the database fails or hangs', async () => {
    const failing = new HealthController({
      query: () => Promise.reject(new Error('ECONNREFUSED')),
    } as unknown as DataSource);
    await expect(failing.ready()).rejects.toBeInstanceOf(ServiceUnavailableException);
    const hanging = new HealthController({ query: () => new Promise(() => undefined) } as unknown as DataSource);
    await expect(hanging.ready()).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('is not ready when Redis is configured and does not answer', async () => {
    const db = { query: () => Promise.resolve([]) } as unknown as DataSource;
    const down = {
      configured: true,
      ping: () => Promise.reject(new Error('Connection is closed.')),
    } as unknown as RedisProbe;
    await expect(new HealthController(db, down).ready()).rejects.toThrow('Redis unavailable');
    const up = { configured: true, ping: () => Promise.resolve() } as unknown as RedisProbe;
    await expect(new HealthController(db, up).ready()).resolves.toEqual({ status: 'ok', database: 'up', redis: 'up' });
  });
});

import { ServiceUnavailableException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { HealthController } from './health.controller.js';

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
});

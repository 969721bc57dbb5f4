import { Controller, Get, HttpCode, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Public } from '../common/public.decorator.js';
import { RedisProbe } from './redis-probe.js';

const READY_TIMEOUT_MS = 2000;

/** Resolves when `check` succeeds within the readiness timeout; false otherwise (never throws). */
async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly redis?: RedisProbe,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'The database (and Redis, when REDIS_URL is set) answers within 2 s',
    description:
      'Load balancers route to an instance only while this answers 200; it also answers 503 once shutdown began.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'up', redis: 'up' } } })
  @ApiServiceUnavailableResponse({ description: 'The database or Redis does not answer', type: ErrorResponseDto })
  async ready() {
    const withRedis = this.redis?.configured ?? false;
    const [database, redis] = await Promise.all([
      answers(() => this.dataSource.query('SELECT 1')),
      withRedis ? answers(() => this.redis!.ping()) : Promise.resolve(true),
    ]);
    if (!database) throw new ServiceUnavailableException('Database unavailable');
    if (!redis) throw new ServiceUnavailableException('Redis unavailable');
    return { status: 'ok', database: 'up', ...(withRedis ? { redis: 'up' } : {}) };
  }
}

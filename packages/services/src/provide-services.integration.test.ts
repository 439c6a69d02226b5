import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findOnPath, findPostgresBin } from './find-binaries.ts';
import { startLocalPostgres } from './local-postgres.ts';
import { redisPing, startLocalRedis } from './local-redis.ts';
import { provideServices } from './provide-services.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
  } finally {
    await client.end();
  }
}

const binaries = { postgres: findPostgresBin(), redis: findOnPath('redis-server') };

describe('provideServices', () => {
  it('passes DATABASE_URL and REDIS_URL through untouched and starts nothing', async () => {
    const env = { DATABASE_URL: 'postgresql://u@db.example:5432/x', REDIS_URL: 'redis://cache.example:6379' };
    const services = await provideServices({ env });
    expect(services).toMatchObject({
      databaseUrl: env.DATABASE_URL,
      redisUrl: env.REDIS_URL,
      source: 'env',
      sources: { postgres: 'env', redis: 'env' },
    });
    await services.stop();
  });

  it.skipIf(!binaries.postgres || !binaries.redis)(
    'starts working local servers when nothing is configured, and stop() removes every trace',
    async () => {
      const services = await provideServices({ env: {}, strategy: 'local', log: () => {} });
      expect(services.source).toBe('local');
      expect(services.databaseUrl).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(await selectOne(services.databaseUrl)).toBe(1);
      const redis = new URL(services.redisUrl);
      expect(await redisPing(redis.hostname, Number(redis.port))).toBe(true);
      await services.stop();
      await expect(selectOne(services.databaseUrl)).rejects.toThrow();
      await expect(redisPing(redis.hostname, Number(redis.port))).rejects.toThrow();
    },
  );

  it.skipIf(!binaries.postgres || !binaries.redis)(
    'keeps an env-provided Redis while starting a local Postgres',
    async () => {
      const services = await provideServices({
        env: { REDIS_URL: 'redis://elsewhere:6379' },
        strategy: 'local',
        log: () => {},
      });
      expect(services.sources).toEqual({ postgres: 'local', redis: 'env' });
      expect(services.source).toBe('local');
      expect(services.redisUrl).toBe('redis://elsewhere:6379');
      expect(await selectOne(services.databaseUrl)).toBe(1);
      await services.stop();
    },
  );
});

describe.skipIf(!binaries.postgres)('startLocalPostgres', () => {
  it('runs the server process itself (killable by pid) and deletes its directory on stop', async () => {
    const server = await startLocalPostgres(binaries.postgres!);
    expect(alive(server.pid)).toBe(true);
    expect(existsSync(server.dir)).toBe(true);
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });
});

describe.skipIf(!binaries.redis)('startLocalRedis', () => {
  it('answers PING and is gone after stop', async () => {
    const server = await startLocalRedis(binaries.redis!);
    const url = new URL(server.url);
    expect(await redisPing(url.hostname, Number(url.port))).toBe(true);
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });
});

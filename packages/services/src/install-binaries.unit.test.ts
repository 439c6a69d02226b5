import { describe, expect, it } from 'vitest';
import { missingServerMessage } from './install-binaries.ts';

describe('missingServerMessage', () => {
  it('names the three ways to provide a missing server', () => {
    const message = missingServerMessage(['redis']);
    expect(message).toMatch(/^Redis not found/);
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('Docker engine');
    expect(message).toContain('apt-get install -y redis-server');
  });

  it('lists both servers when both are missing', () => {
    expect(missingServerMessage(['postgres', 'redis'])).toMatch(/^Postgres and Redis not found/);
    expect(missingServerMessage(['postgres', 'redis'])).toContain('postgresql redis-server');
  });
});

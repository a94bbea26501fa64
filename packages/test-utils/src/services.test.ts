import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { databaseUrl, redactUrl, redisUrl, serviceAvailable } from './services.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('service URLs', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('default to the local servers and follow REDIS_URL / DATABASE_URL', () => {
    delete process.env.REDIS_URL;
    delete process.env.DATABASE_URL;
    expect(redisUrl()).toBe('redis://127.0.0.1:6379');
    expect(databaseUrl()).toBe('postgres://postgres@127.0.0.1:5432/test');
    process.env.REDIS_URL = 'redis://cache:6380/2';
    expect(redisUrl()).toBe('redis://cache:6380/2');
  });

  it('never print a password', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(redactUrl('not a url')).toBe('<unparseable URL>');
  });
});

describe('serviceAvailable with no server', () => {
  const savedCi = process.env.CI;
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
    if (savedCi === undefined) delete process.env.CI;
    else process.env.CI = savedCi;
  });

  it('resolves false and warns once per process for each service', async () => {
    process.env.CI = 'false';
    const url = `redis://127.0.0.1:${await closedPort()}`;
    expect(await serviceAvailable('redis', { url })).toBe(false);
    expect(await serviceAvailable('redis', { url })).toBe(false);
    const pgUrl = `postgres://postgres:pw@127.0.0.1:${await closedPort()}/test`;
    expect(await serviceAvailable('postgres', { url: pgUrl })).toBe(false);
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(lines.filter((line) => line.startsWith('⚠ Redis tests skipped'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('⚠ Postgres tests skipped'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(':pw@');
  });

  it('throws with CI=true, naming the service and where it looked', async () => {
    process.env.CI = 'true';
    const url = `redis://127.0.0.1:${await closedPort()}`;
    await expect(serviceAvailable('redis', { url })).rejects.toThrow(
      `Redis is required when CI=true but no server answered at ${url}`,
    );
  });

  it('gives up on a server that accepts but never answers within about a second', async () => {
    process.env.CI = 'false';
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = performance.now();
      expect(await serviceAvailable('redis', { url: `redis://127.0.0.1:${port}` })).toBe(false);
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      silent.close();
      silent.unref();
    }
  });
});

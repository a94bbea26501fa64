import { startTcpProxy } from '@rampart/test-utils';
import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { FRAMEWORKS, STORE_KINDS } from '../src/config.js';
import { runAppToExit, startApp } from '../src/demo/app-process.js';
import { runDemo } from '../src/demo/run-demo.js';
import { formatResults } from '../src/demo/table.js';
import { STORED_STATE_SECRETS } from './api-client.js';
import {
  available,
  pg,
  redis,
  redisPrefix,
  isolation as storeIsolation,
} from './store-isolation.js';

// Every test starts the app as a child process (tsx compiling on the fly), a few seconds each
// and more on a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 60_000 });

// Every start in this file shares its store, so it shares the secrets keying the stored state
// (a start with other ones stops, naming them: secrets-check.test.ts).
const isolation: Record<string, string> = { ...STORED_STATE_SECRETS, ...storeIsolation };

describe.each(FRAMEWORKS)('the demo tour on %s', (framework) => {
  for (const store of STORE_KINDS) {
    // serviceAvailable printed why a store is skipped (and throws under CI=true).
    it.skipIf(!available[store])(`passes every step on ${store}`, async () => {
      const run = await runDemo({ framework, store, env: isolation });
      expect(run.error, run.error).toBeUndefined();
      expect(run.results.length).toBeGreaterThan(0);
      expect(
        run.results.filter((result) => !result.ok),
        formatResults(run.results),
      ).toEqual([]);
      expect(run.ok).toBe(true);
    });
  }
});

describe.concurrent('start-up', () => {
  it.each([
    [['--store', 'mongo'], {}, /--store: must be one of memory, redis, postgres/],
    [['--port', '70000'], {}, /--port: must be a whole number from 0 to 65535/],
    [[], { TRUSTED_PROXIES: '10.0.0.0/33' }, /TRUSTED_PROXIES: /],
    [[], { JWT_SECRET: 'dG9vLXNob3J0' }, /JWT_SECRET: must be base64url/],
  ] as Array<[string[], Record<string, string>, RegExp]>)(
    'refuses %j %j with a message naming the option',
    async (args, env, message) => {
      // A free port, in case the option were accepted: the test must fail, not hang on 3000.
      const port = args.includes('--port') ? [] : ['--port', '0'];
      const exit = await runAppToExit({ args: [...port, ...args], env });
      expect(exit.code).toBe(2);
      expect(exit.stderr).toMatch(message);
      expect(exit.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(exit.stdout).not.toContain('Listening on');
    },
  );

  it('prints its usage for --help and exits 0', async () => {
    const exit = await runAppToExit({ args: ['--help'] });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('--framework fastify|express');
  });

  it.each(FRAMEWORKS)(
    'on %s prints the real port, the store and generated credentials',
    async (framework) => {
      const app = await startApp({
        args: ['--port', '0', '--framework', framework],
        env: { ADMIN_EMAIL: 'ops@example.com' },
      });
      try {
        expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
        const output = app.output();
        expect(output).toContain('Store: memory');
        expect(output).toContain('Admin: ops@example.com');
        expect(output).toMatch(/^ {2}ADMIN_PASSWORD=[A-Za-z0-9_-]{24}$/m);
        expect(output).toMatch(/^ {2}JWT_SECRET=[A-Za-z0-9_-]{43}$/m);
        expect(output).toMatch(/^ {2}SIGNING_KEY_ID=\S+$/m);
        expect(output).toMatch(/^ {2}SIGNING_SECRET=[A-Za-z0-9_-]{43}$/m);
        expect(output.match(/Listening on/g)).toHaveLength(1);
      } finally {
        await app.stop();
      }
    },
  );

  it('never prints a secret it was given', async () => {
    const secret = Buffer.alloc(32, 9).toString('base64url');
    const app = await startApp({
      args: ['--port', '0'],
      env: { ADMIN_PASSWORD: 'correct-horse-battery', JWT_SECRET: secret, SIGNING_SECRET: secret },
    });
    const code = await app.stop();
    expect(code).toBe(0);
    expect(app.output()).not.toContain(secret);
    expect(app.output()).not.toContain('correct-horse-battery');
  });

  it('exits 1 naming --port when the port is taken', async () => {
    const first = await startApp({ args: ['--port', '0'] });
    try {
      const port = new URL(first.url).port;
      const exit = await runAppToExit({ args: ['--port', port] });
      expect(exit.code).toBe(1);
      expect(exit.stderr).toContain(`--port: ${port} is already in use`);
    } finally {
      await first.stop();
    }
  });
});

describe.concurrent('shutdown', () => {
  it.each([
    ['fastify', 'SIGTERM'],
    ['express', 'SIGTERM'],
    ['fastify', 'SIGINT'],
    ['express', 'SIGINT'],
  ] as const)(
    '%s closes and exits 0 on %s, also with a keep-alive connection open',
    async (framework, signal) => {
      const app = await startApp({ args: ['--port', '0', '--framework', framework] });
      const response = await fetch(`${app.url}/health`); // undici keeps this connection alive
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      // Exit code 0 also proves the keep-alive connection did not hold close() open: the app
      // exits 1 when its shutdown takes over 10 s (Fastify keeps idle connections for 72 s).
      expect(await app.stop(signal)).toBe(0);
      expect(app.output()).toContain(`${signal}: closing`);
    },
  );

  it.skipIf(!available.redis)('closes Redis too: exits 0 on SIGTERM', async () => {
    const app = await startApp({ args: ['--port', '0', '--store', 'redis'], env: isolation });
    expect(await app.stop()).toBe(0);
  });

  it.skipIf(!available.postgres)('closes Postgres too: exits 0 on SIGTERM', async () => {
    const app = await startApp({ args: ['--port', '0', '--store', 'postgres'], env: isolation });
    expect(await app.stop()).toBe(0);
  });
});

describe('health when the store goes away', () => {
  const targets = [
    ['redis', 'REDIS_URL', 6379, (port: number) => `redis://127.0.0.1:${port}`],
    [
      'postgres',
      'DATABASE_URL',
      5432,
      (port: number) => `postgres://postgres@127.0.0.1:${port}/test`,
    ],
  ] as const;

  for (const [store, variable, port, url] of targets) {
    it.skipIf(!available[store])(
      `${store}: 200, then a 503 problem while it is down, then 200 again`,
      async () => {
        const proxy = await startTcpProxy({ host: '127.0.0.1', port });
        const app = await startApp({
          args: ['--port', '0', '--store', store],
          env: { ...isolation, [variable]: url(proxy.port) },
        });
        try {
          expect((await fetch(`${app.url}/health`)).status).toBe(200);
          await proxy.stop();
          const down = await fetch(`${app.url}/health`);
          expect(down.status).toBe(503);
          expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(down.headers.get('x-content-type-options')).toBe('nosniff');
          const problem = (await down.json()) as Record<string, unknown>;
          expect(problem).toMatchObject({
            status: 503,
            code: 'ERR_STORE_UNAVAILABLE',
            instance: '/health',
          });
          await proxy.start();
          // The client reconnects on its own schedule (ioredis backs off up to 2 s).
          const deadline = Date.now() + 10_000;
          let status = 0;
          while (Date.now() < deadline) {
            status = (await fetch(`${app.url}/health`)).status;
            if (status === 200) break;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          expect(status).toBe(200);
        } finally {
          expect(await app.stop()).toBe(0);
          await proxy.stop();
        }
      },
    );
  }
});

describe('--fresh', () => {
  it.skipIf(!available.redis)('deletes the keys under its prefix and nothing else', async () => {
    if (redis === undefined || redisPrefix === undefined) return;
    const own = `${redisPrefix.prefix}nonce:left-over`;
    // Shares the first characters of the prefix, but is not under it.
    const other = `${redisPrefix.prefix.slice(0, -1)}-other:key`;
    await redis.set(own, '1');
    await redis.set(other, '1');
    try {
      const app = await startApp({
        args: ['--port', '0', '--store', 'redis', '--fresh'],
        env: isolation,
      });
      expect(await app.stop()).toBe(0);
      expect(await redis.exists(own)).toBe(0);
      expect(await redis.exists(other)).toBe(1);
    } finally {
      await redis.del(other);
    }
  });

  it.skipIf(!available.postgres)('empties its tables and keeps the migration history', async () => {
    if (pg === undefined) return;
    // The first start migrates the schema; the row stands for state an earlier run left.
    const first = await startApp({ args: ['--port', '0', '--store', 'postgres'], env: isolation });
    expect(await first.stop()).toBe(0);
    const nonces = sql.id(pg.schema, 'rampart_core_nonces');
    const migrations = sql.id(pg.schema, 'rampart_core_migrations');
    await sql`insert into ${nonces} (key, expires_at) values ('left-over', ${Date.now() + 60_000})`.execute(
      pg.db,
    );

    const app = await startApp({
      args: ['--port', '0', '--store', 'postgres', '--fresh'],
      env: isolation,
    });
    expect(await app.stop()).toBe(0);
    const left = await sql<{ n: string }>`select count(*) as n from ${nonces}`.execute(pg.db);
    expect(left.rows[0]?.n).toBe('0');
    const history = await sql<{ n: string }>`select count(*) as n from ${migrations}`.execute(
      pg.db,
    );
    expect(Number(history.rows[0]?.n)).toBeGreaterThan(0);
  });
});

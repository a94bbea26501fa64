import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { STORE_KINDS, type StoreKind } from '../src/config.js';
import { startApp } from '../src/demo/app-process.js';
import { ApiClient, expectProblem, newAccount, testSecrets } from './api-client.js';
import { available, isolation, pg, redis, redisPrefix } from './store-isolation.js';

vi.setConfig({ testTimeout: 90_000 });

/** Changes a stored user behind the app's back, as an admin tool (or a later issue) would. */
async function updateUser(
  store: StoreKind,
  id: string,
  change: { role?: string; locked?: boolean },
): Promise<void> {
  if (store === 'redis' && redis !== undefined && redisPrefix !== undefined) {
    const key = `${redisPrefix.prefix}users:{u}:id:${id}`;
    if (change.role !== undefined) await redis.hset(key, 'role', change.role);
    if (change.locked !== undefined) await redis.hset(key, 'locked', change.locked ? '1' : '0');
  } else if (store === 'postgres' && pg !== undefined) {
    const users = sql.id(pg.schema, 'rampart_example_users');
    if (change.role !== undefined)
      await sql`update ${users} set role = ${change.role} where id = ${id}`.execute(pg.db);
    if (change.locked !== undefined)
      await sql`update ${users} set locked = ${change.locked} where id = ${id}`.execute(pg.db);
  } else throw new Error(`cannot reach the users of ${store}`);
}

async function start(store: StoreKind, secrets: Record<string, string>, fresh = true) {
  const args = ['--port', '0', '--store', store, ...(fresh ? ['--fresh'] : [])];
  return startApp({ args, env: { ...isolation, ...secrets } });
}

describe.each(STORE_KINDS)('on %s', (store) => {
  const onService = it.skipIf(!available[store]);
  const behindTheBack = it.skipIf(store === 'memory' || !available[store]);

  onService('twenty concurrent registrations of one email: exactly one 201', async () => {
    const app = await start(store, testSecrets());
    try {
      const api = new ApiClient(app.url, {});
      const account = newAccount('race');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          // Spelled differently each time: the store normalises before it decides.
          api.post('/api/v1/auth/register', {
            ...account,
            email: i % 2 === 0 ? account.email : account.email.toUpperCase(),
          }),
        ),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  onService(
    'text a store cannot hold is a 400, and breaks nothing for the next client',
    async () => {
      const secrets = testSecrets();
      const app = await start(store, secrets);
      try {
        const api = new ApiClient(app.url, secrets);
        // A NUL in the login email would reach the limiter's key (and fail Postgres' statement).
        const nul = await api.post('/api/v1/auth/login', {
          email: 'a\u0000b@example.com',
          password: 'x',
        });
        expectProblem(nul, 400, 'ERR_VALIDATION');
        const next = await api.post('/api/v1/auth/login', newAccount('next'));
        expectProblem(next, 401, 'ERR_LOGIN_FAILED');
        const account = newAccount('text');
        await api.register(account);
        const token = (await api.login(account)).accessToken;
        for (const raw of [
          '{"data":{"a":"x\\u0000y"}}',
          '{"data":{"a\\u0000":"y"}}',
          '{"data":{"a":"\\ud800"}}',
          '{"data":{"a":["\\udc00"]}}',
        ]) {
          const response = await api.signedPost('/api/v1/entities/text/records', raw, token);
          expectProblem(response, 400, 'ERR_VALIDATION');
        }
        // An escaped backslash is ordinary text, and a real pair is a real character.
        for (const raw of ['{"data":{"a":"\\\\u0000"}}', '{"data":{"a":"\\ud83d\\ude00"}}']) {
          expect((await api.signedPost('/api/v1/entities/text/records', raw, token)).status).toBe(
            201,
          );
        }
      } finally {
        expect(await app.stop()).toBe(0);
      }
    },
  );

  behindTheBack('a role without entities:write gets a 403 problem', async () => {
    const secrets = testSecrets();
    const app = await start(store, secrets);
    try {
      const api = new ApiClient(app.url, secrets);
      const account = newAccount('auditor');
      const id = await api.register(account);
      const token = (await api.login(account)).accessToken;
      // A role the permission table does not know gets no permission at all.
      await updateUser(store, id, { role: 'auditor' });
      const write = await api.signedPost('/api/v1/entities/e1/records', '{"data":{}}', token);
      expectProblem(write, 403, 'ERR_FORBIDDEN');
      expectProblem(await api.get('/api/v1/entities/e1/records', { token }), 403, 'ERR_FORBIDDEN');
      expect((await api.get('/api/v1/me', { token })).body.role).toBe('auditor');
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  behindTheBack('a locked account gets the 401 of a wrong password', async () => {
    const secrets = testSecrets();
    const app = await start(store, secrets);
    try {
      const api = new ApiClient(app.url, secrets);
      const account = newAccount('locked');
      const id = await api.register(account);
      await updateUser(store, id, { locked: true });
      const locked = await api.post('/api/v1/auth/login', account);
      expectProblem(locked, 401, 'ERR_LOGIN_FAILED');
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  behindTheBack('users, tokens and records survive a restart without --fresh', async () => {
    const secrets = testSecrets();
    const account = newAccount('survivor');
    const first = await start(store, secrets);
    let token: string;
    let record: Record<string, unknown>;
    try {
      const api = new ApiClient(first.url, secrets);
      await api.register(account);
      token = (await api.login(account)).accessToken;
      const created = await api.signedPost(
        '/api/v1/entities/kept/records',
        '{"data":{"n":1}}',
        token,
      );
      expect(created.status).toBe(201);
      record = created.body;
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await start(store, secrets, false);
    try {
      expect(second.output()).toContain('Admin: admin@example.com (existing account');
      const api = new ApiClient(second.url, secrets);
      expect((await api.get('/api/v1/me', { token })).body.email).toBe(account.email);
      const listed = await api.get('/api/v1/entities/kept/records', { token });
      expect(listed.body.records).toEqual([record]);
      expectProblem(await api.post('/api/v1/auth/register', account), 409, 'ERR_EMAIL_TAKEN');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

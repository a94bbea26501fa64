import { describe, expect, it } from 'vitest';
import { DEFAULT_KEY_PREFIX, parseConfig } from '../src/config.js';
import { ConfigError, HelpRequested } from '../src/config-error.js';

const SECRET = Buffer.alloc(32, 7).toString('base64url');

function optionOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.option;
    throw error;
  }
  throw new Error('parseConfig accepted it');
}

describe('parseConfig', () => {
  it('defaults to Fastify on memory at 127.0.0.1:3000 and generates what is unset', () => {
    const config = parseConfig([], {});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      framework: 'fastify',
      store: 'memory',
      fresh: false,
    });
    expect(config.redisKeyPrefix).toBe(DEFAULT_KEY_PREFIX);
    expect(config.jwt).toMatchObject({
      issuer: 'rampart-example',
      audience: 'rampart-example-api',
    });
    for (const provided of [
      config.admin.password,
      config.jwt.secret,
      config.signing.keyId,
      config.signing.secret,
    ]) {
      expect(provided.generated).toBe(true);
    }
    expect(Buffer.from(config.jwt.secret.value, 'base64url')).toHaveLength(32);
    expect(config.jwt.secret.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseConfig([], {}).jwt.secret.value).not.toBe(config.jwt.secret.value);
  });

  it('reads every option, in both spellings, and ignores the -- pnpm forwards', () => {
    const config = parseConfig(
      ['--', '--port', '0', '--host=::1', '--framework', 'express', '--store=postgres', '--fresh'],
      {
        TRUSTED_PROXIES: '10.0.0.0/8, ::1',
        JWT_SECRET: SECRET,
        SIGNING_SECRET: SECRET,
        SIGNING_KEY_ID: 'client-1',
      },
    );
    expect(config).toMatchObject({
      port: 0,
      host: '::1',
      framework: 'express',
      store: 'postgres',
      fresh: true,
    });
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(config.jwt.secret).toEqual({ value: SECRET, generated: false });
    expect(config.signing.keyId).toEqual({ value: 'client-1', generated: false });
  });

  it('holds 100 000 audit records in memory unless AUDIT_MEMORY_RECORDS says otherwise', () => {
    expect(parseConfig([], {}).audit.memoryRecords).toBe(100_000);
    expect(parseConfig([], { AUDIT_MEMORY_RECORDS: '1' }).audit.memoryRecords).toBe(1);
    expect(parseConfig([], { AUDIT_MEMORY_RECORDS: '2000' }).audit.memoryRecords).toBe(2000);
    expect(parseConfig([], { AUDIT_MEMORY_RECORDS: '1000000' }).audit.memoryRecords).toBe(
      1_000_000,
    );
  });

  it('limits registrations to 3 per IP and hour unless REGISTER_LIMIT_PER_HOUR says otherwise', () => {
    expect(parseConfig([], {}).registerLimitPerHour).toBe(3);
    expect(parseConfig([], { REGISTER_LIMIT_PER_HOUR: '' }).registerLimitPerHour).toBe(3);
    expect(parseConfig([], { REGISTER_LIMIT_PER_HOUR: '1' }).registerLimitPerHour).toBe(1);
    expect(parseConfig([], { REGISTER_LIMIT_PER_HOUR: '100000' }).registerLimitPerHour).toBe(
      100_000,
    );
  });

  it('takes PORT from the environment, --port over it', () => {
    expect(parseConfig([], { PORT: '8080' }).port).toBe(8080);
    expect(parseConfig(['--port', '9090'], { PORT: '8080' }).port).toBe(9090);
    expect(parseConfig([], { PORT: '' }).port).toBe(3000);
  });

  it.each([
    [['--store', 'mongo'], {}, '--store'],
    [['--framework', 'koa'], {}, '--framework'],
    [['--port', '65536'], {}, '--port'],
    [['--port', '0x50'], {}, '--port'],
    [['--port', ' 80'], {}, '--port'],
    [['--port', '1e3'], {}, '--port'],
    [['--port', '080'], {}, '--port'],
    [['--port', '-1'], {}, '--port'],
    [['--port'], {}, '--port'],
    [['--port', '1', '--port', '2'], {}, '--port'],
    [['--host', 'a b'], {}, '--host'],
    [['--fresh=yes'], {}, '--fresh'],
    [['--verbose'], {}, '--verbose'],
    [['serve'], {}, 'serve'],
    [[], { PORT: 'abc' }, 'PORT'],
    [[], { TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
    [[], { TRUSTED_PROXIES: 'proxy.local' }, 'TRUSTED_PROXIES'],
    [[], { TRUSTED_PROXIES: '10.0.0.1,' }, 'TRUSTED_PROXIES'],
    [[], { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [[], { DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [[], { ADMIN_EMAIL: 'admin' }, 'ADMIN_EMAIL'],
    [[], { ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [[], { JWT_SECRET: Buffer.alloc(31).toString('base64url') }, 'JWT_SECRET'],
    [[], { JWT_SECRET: `${SECRET}=` }, 'JWT_SECRET'],
    [[], { JWT_SECRET: `${SECRET} ` }, 'JWT_SECRET'],
    [[], { JWT_ISSUER: 'has space' }, 'JWT_ISSUER'],
    [[], { JWT_AUDIENCE: 'x'.repeat(257) }, 'JWT_AUDIENCE'],
    [[], { SIGNING_KEY_ID: 'a/b' }, 'SIGNING_KEY_ID'],
    [[], { SIGNING_SECRET: 'c2VjcmV0' }, 'SIGNING_SECRET'],
    // @rampart/request-signing refuses secrets over 64 bytes; the app says so before starting.
    [[], { SIGNING_SECRET: Buffer.alloc(65, 7).toString('base64url') }, 'SIGNING_SECRET'],
    [[], { RAMPART_KEY_PREFIX: 'app:*' }, 'RAMPART_KEY_PREFIX'],
    [[], { DATABASE_SCHEMA: 'Robert"; drop' }, 'DATABASE_SCHEMA'],
    ...['0', '-1', '3.5', ' 3', '3 ', '03', '0x3', '3e0', 'three', '100001', '9'.repeat(20)].map(
      (value) => [[], { REGISTER_LIMIT_PER_HOUR: value }, 'REGISTER_LIMIT_PER_HOUR'],
    ),
    ...['0', '-5', '1.5', ' 10', '010', '1e3', 'many', '1000001'].map((value) => [
      [],
      { AUDIT_MEMORY_RECORDS: value },
      'AUDIT_MEMORY_RECORDS',
    ]),
  ] as Array<[string[], Record<string, string>, string]>)(
    '%j %j is refused, naming %s',
    (argv, env, option) => {
      expect(optionOf(argv, env)).toBe(option);
    },
  );

  it('never echoes a secret or a connection string it refuses', () => {
    const secret = 'not-base64url!!-but-secret';
    expect(() => parseConfig([], { JWT_SECRET: secret })).toThrow(/^JWT_SECRET: /);
    try {
      parseConfig([], { JWT_SECRET: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
    try {
      parseConfig([], { DATABASE_URL: 'mysql://root:hunter2@db/app' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('answers --help with HelpRequested', () => {
    expect(() => parseConfig(['--help'], {})).toThrow(HelpRequested);
  });
});

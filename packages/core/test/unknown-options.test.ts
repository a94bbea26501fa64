import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import {
  jsonBody,
  problemErrorHandler,
  rampartCore as rampartCoreMiddleware,
} from '../src/express.js';
import { rampartCore } from '../src/fastify.js';
import { MemoryNonceStore } from '../src/index.js';
import { createNonceStoreMigrations } from '../src/postgres.js';

function problemOf(run: () => unknown): { option: string; code: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RampartConfigError);
    const { option, code, docs, message } = error as RampartConfigError;
    // Every start-up error says where its code is explained.
    expect(docs).toBe(`docs/errors.md#${code.toLowerCase()}`);
    expect(message).toContain(`(${code}, see ${docs})`);
    return { option, code };
  }
  throw new Error('expected a RampartConfigError');
}

const UNKNOWN = 'ERR_CONFIG_UNKNOWN_OPTION';

describe('a misspelt, unknown or bad option throws at start-up, naming it, with a code per problem', () => {
  it.each([
    ['jsonBody', () => jsonBody({ strict: false } as never), 'jsonBody.strict', UNKNOWN],
    ['jsonBody', () => jsonBody({ limit: 0 }), 'jsonBody.limit', 'ERR_CONFIG_OUT_OF_RANGE'],
    [
      'jsonBody',
      () => jsonBody({ rawBody: 'yes' } as never),
      'jsonBody.rawBody',
      'ERR_CONFIG_INVALID_TYPE',
    ],
    [
      'problemErrorHandler',
      () => problemErrorHandler({ logger: console } as never),
      'problemErrorHandler.logger',
      UNKNOWN,
    ],
    [
      'problemErrorHandler',
      () => problemErrorHandler({ log: 'console' } as never),
      'problemErrorHandler.log',
      'ERR_CONFIG_INVALID_VALUE',
    ],
    [
      'MemoryNonceStore',
      () => new MemoryNonceStore({ max: 10 } as never),
      'MemoryNonceStore.max',
      UNKNOWN,
    ],
    [
      'MemoryNonceStore',
      () => new MemoryNonceStore({ maxEntries: 1.5 }),
      'MemoryNonceStore.maxEntries',
      'ERR_CONFIG_INVALID_VALUE',
    ],
    [
      'createNonceStoreMigrations',
      () => createNonceStoreMigrations({ unlogged: 'yes' } as never),
      'createNonceStoreMigrations.unlogged',
      'ERR_CONFIG_INVALID_TYPE',
    ],
    [
      'createNonceStoreMigrations',
      () => createNonceStoreMigrations({ logged: false } as never),
      'createNonceStoreMigrations.logged',
      UNKNOWN,
    ],
    [
      'rampartCore (Express)',
      () => rampartCoreMiddleware({ trustProxy: true } as never),
      'rampartCore.trustProxy',
      UNKNOWN,
    ],
    [
      'rampartCore (Express)',
      () => rampartCoreMiddleware({ ipv6PrefixLength: 200 }),
      'rampartCore.ipv6PrefixLength',
      'ERR_CONFIG_OUT_OF_RANGE',
    ],
  ])('%s', (_name, run, option, code) => {
    expect(problemOf(run)).toEqual({ option, code });
  });

  it('rampartCore, when registered', async () => {
    const app = Fastify();
    app.register(rampartCore, { trustProxy: true } as never);
    await expect(app.ready()).rejects.toMatchObject({
      option: 'rampartCore.trustProxy',
      code: UNKNOWN,
    });
    await app.close();
    const bad = Fastify();
    bad.register(rampartCore, { errorHandler: 'no' } as never);
    await expect(bad.ready()).rejects.toMatchObject({
      option: 'rampartCore.errorHandler',
      code: 'ERR_CONFIG_INVALID_TYPE',
    });
    await bad.close();
  });
});

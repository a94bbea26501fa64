import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { jsonBody, problemErrorHandler } from '../src/express.js';
import { rampartCore } from '../src/fastify.js';
import { MemoryNonceStore } from '../src/index.js';
import { createNonceStoreMigrations } from '../src/postgres.js';

function optionOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RampartConfigError);
    return (error as RampartConfigError).option;
  }
  throw new Error('expected a RampartConfigError');
}

describe('a misspelt or unknown option throws at start-up, naming it', () => {
  it.each([
    ['jsonBody', () => jsonBody({ strict: false } as never), 'jsonBody.strict'],
    [
      'problemErrorHandler',
      () => problemErrorHandler({ logger: console } as never),
      'problemErrorHandler.logger',
    ],
    ['MemoryNonceStore', () => new MemoryNonceStore({ max: 10 } as never), 'MemoryNonceStore.max'],
    [
      'createNonceStoreMigrations',
      () => createNonceStoreMigrations({ unlogged: 'yes' } as never),
      'createNonceStoreMigrations.unlogged',
    ],
    [
      'createNonceStoreMigrations',
      () => createNonceStoreMigrations({ logged: false } as never),
      'createNonceStoreMigrations.logged',
    ],
  ])('%s', (_name, run, option) => {
    expect(optionOf(run)).toBe(option);
  });

  it('rampartCore, when registered', async () => {
    const app = Fastify();
    app.register(rampartCore, { trustProxy: true } as never);
    await expect(app.ready()).rejects.toMatchObject({ option: 'rampartCore.trustProxy' });
    await app.close();
  });
});

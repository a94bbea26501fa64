import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { redisStoreOptionsShape } from './store-options.js';

interface Client {
  set(): Promise<unknown>;
  del(): Promise<unknown>;
}

const schema = z.strictObject(
  redisStoreOptionsShape<Client>({
    prefix: 'thing',
    methods: ['set', 'del'],
    commandTimeoutMs: 750,
  }),
);
const client = { set: async () => 'OK', del: async () => 1 };

describe('redisStoreOptionsShape', () => {
  it("gives the package's key prefix and timeout by default", () => {
    expect(parseOptions('RedisThingStore', schema, { redis: client })).toEqual({
      redis: client,
      keyPrefix: 'rampart:thing:',
      commandTimeoutMs: 750,
    });
  });

  it('refuses a client without a method the store calls, naming the option', () => {
    expect(() => parseOptions('RedisThingStore', schema, { redis: { set: client.set } })).toThrow(
      /RedisThingStore\.redis: must be an ioredis Redis or Cluster instance/,
    );
    expect(() =>
      parseOptions('RedisThingStore', schema, { redis: client, commandTimeoutMs: 0 }),
    ).toThrow(/RedisThingStore\.commandTimeoutMs/);
  });
});

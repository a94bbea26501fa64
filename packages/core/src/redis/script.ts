import { createHash } from 'node:crypto';

/**
 * The part of an ioredis `Redis` or `Cluster` a script needs. Typed structurally, like Kysely
 * types the subset of `pg` it uses, so any ioredis 5 instance fits without this package
 * importing ioredis.
 */
export interface RedisScriptClient {
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
}

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * A Lua script run with `EVALSHA`: one round trip, without sending the source each time.
 *
 * The SHA-1 is computed here, once. When the server does not know the script (first use, a
 * restart, a failover, `SCRIPT FLUSH`), it answers NOSCRIPT and the script is sent once with
 * `EVAL`, which also caches it server-side. `EVAL` rather than `SCRIPT LOAD` because on
 * Redis Cluster it is routed by the keys, so the node that will run the script is the one
 * that learns it.
 *
 * @example
 * const incrementScript = new RedisScript(`return redis.call('INCR', KEYS[1])`);
 * const count = await incrementScript.run(redis, [key], []);
 */
export class RedisScript {
  /** The Lua source. */
  readonly source: string;
  /** Hex SHA-1 of the source, the handle `EVALSHA` takes. */
  readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script. All `keys` must share one hash tag on Redis Cluster
   * (see `hashTag()`); `args` are passed as ARGV.
   */
  run(
    redis: RedisScriptClient,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    // Not `async` with `try { return await … }`: that costs a promise and a microtask more on
    // every call (a Redis store's hot path); NOSCRIPT is handled on the reply's own rejection.
    try {
      return redis.evalsha(this.sha1, keys.length, ...keys, ...args).then(undefined, (error) => {
        if (!isNoScriptError(error)) throw error;
        return redis.eval(this.source, keys.length, ...keys, ...args);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

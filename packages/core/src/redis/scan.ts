/**
 * The part of an ioredis `Redis` or `Cluster` a prefix scan needs. On a `Cluster`, `scan` reaches
 * one node chosen by ioredis, so the scan walks `nodes('master')` instead.
 */
export interface RedisScanClient {
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    batch: number,
  ): Promise<[cursor: string, keys: string[]]>;
  /** Present on an ioredis `Cluster`: its master nodes, each a plain client. */
  nodes?(role: 'master'): RedisScanClient[];
}

/** Runs one Redis command under the store's deadline (`StoreDeadline.run`). */
export type RedisCommandRunner = <T>(command: () => PromiseLike<T>) => Promise<T>;

/** Escapes SCAN's glob characters, so a prefix built from a user id matches only itself. */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

const SCAN_BATCH = 500;

/**
 * Calls `onBatch` with every key that starts with `prefix` (taken literally), a SCAN batch at a
 * time: on one server, or on every master of a Redis Cluster, where a SCAN sent to the cluster
 * client would see one node's keys only. For `purgeUser`: SCAN, never KEYS, so a large keyspace
 * is walked without blocking the server. Each SCAN goes through `run` (the store's deadline).
 *
 * @example
 * await scanKeysWithPrefix(redis, redisKey(prefix, hashTag(userId), ''), async (keys) => {
 *   await deadline.run(() => redis.del(...keys));
 * }, deadline.run);
 */
export async function scanKeysWithPrefix(
  redis: RedisScanClient,
  prefix: string,
  onBatch: (keys: string[]) => Promise<void>,
  run: RedisCommandRunner = (command) => Promise.resolve(command()),
): Promise<void> {
  const pattern = `${globLiteral(prefix)}*`;
  const nodes = typeof redis.nodes === 'function' ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await run(() =>
        node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH),
      );
      cursor = next;
      if (keys.length > 0) await onBatch(keys);
    } while (cursor !== '0');
  }
}

import { isIP } from 'node:net';
import { quote } from './cli-args.js';
import { ConfigError } from './config-error.js';

const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IP address or a host name (`--host`, a cluster node). */
export function isHost(text: string): boolean {
  return isIP(text) !== 0 || HOSTNAME_PATTERN.test(text);
}

/** One seed node of a Redis Cluster (`REDIS_CLUSTER_NODES`). */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** The local cluster `scripts/redis-cluster start` runs (ioredis discovers its other nodes). */
export const DEFAULT_REDIS_CLUSTER_NODES = '127.0.0.1:7000';

// `[v6]:port` or `host:port`; the host is checked by isHost afterwards.
const NODE_PATTERN = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/;

/**
 * `REDIS_CLUSTER_NODES`: comma-separated `host:port` seeds (`[::1]:7000` for IPv6). Any one
 * that answers is enough: ioredis discovers the other nodes from it.
 */
export function parseRedisClusterNodes(text: string): RedisNode[] {
  return text.split(',').map((entry, index) => {
    const match = NODE_PATTERN.exec(entry.trim());
    const host = match?.[1] ?? match?.[2] ?? '';
    const port = Number(match?.[3]);
    if (match === null || !isHost(host) || !(port >= 1 && port <= 65535)) {
      throw new ConfigError(
        'REDIS_CLUSTER_NODES',
        `entry ${index + 1}, ${quote(entry.trim())}, is not host:port (a port from 1 to 65535)`,
      );
    }
    return { host, port };
  });
}

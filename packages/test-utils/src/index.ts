export { type IsolatedRedisCluster, isolatedRedisCluster } from './isolated-redis-cluster.js';
export {
  type IsolatedPostgresSchema,
  type IsolatedPostgresSchemaOptions,
  isolatedPostgresSchema,
} from './postgres.js';
export { type RawHttpResponse, rawHttp, rawRequestText } from './raw-http.js';
export { type RawRequest, type RawResponse, rawRequest } from './raw-request.js';
export {
  createRedisClient,
  deleteRedisPrefix,
  type IsolatedRedisPrefix,
  isolatedRedisPrefix,
  randomRedisPrefix,
  redisUrlOptions,
} from './redis.js';
export {
  createRedisClusterClient,
  deleteRedisClusterPrefix,
  isolatedRedisClusterPrefix,
} from './redis-cluster.js';
export {
  type DedicatedRedisCluster,
  type DedicatedRedisClusterOptions,
  startDedicatedRedisCluster,
} from './redis-cluster-process.js';
export {
  freePort,
  type RedisServerOptions,
  type RedisServerProcess,
  redisServerBinaryAvailable,
  startRedisServer,
  waitForRedisPing,
} from './redis-server.js';
export {
  databaseUrl,
  redactUrl,
  redisClusterNodes,
  redisClusterSeeds,
  redisUrl,
  type ServiceAvailableOptions,
  type ServiceKind,
  serviceAvailable,
} from './services.js';
export { startTcpBalancer, type TcpBalancer } from './tcp-balancer.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { warningsWithCode } from './warnings.js';
export { type RunInWorkersOptions, runInWorkers } from './workers/run-in-workers.js';

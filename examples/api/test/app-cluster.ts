import { startTcpBalancer, type TcpBalancer } from '@rampart/test-utils';
import { type AppProcess, startApp } from '../src/demo/app-process.js';

/** Several example-app processes sharing one store, behind one port. */
export interface AppCluster {
  /** The balancer's URL: each new connection goes to the next process. */
  readonly url: string;
  readonly apps: readonly AppProcess[];
  readonly balancer: TcpBalancer;
  /** Stops the balancer and every process; resolves their exit codes. */
  stop(): Promise<Array<number | null>>;
}

/**
 * Starts `count` processes of the example app on `store` with the same secrets and isolation
 * (key prefix, schema), the first with `--fresh` and alone (it runs the migrations), then the
 * others, and a round-robin TCP balancer in front of them, as a deployment behind a load
 * balancer would run.
 */
export async function startAppCluster(options: {
  /** `redis-cluster`: the Redis stores on the Redis Cluster of `REDIS_CLUSTER_NODES`. */
  readonly store: 'redis' | 'redis-cluster' | 'postgres';
  readonly env: Readonly<Record<string, string>>;
  readonly count?: number;
}): Promise<AppCluster> {
  const count = options.count ?? 3;
  const args = ['--port', '0', '--host', '127.0.0.1', '--store', options.store];
  const first = await startApp({ args: [...args, '--fresh'], env: options.env });
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () => startApp({ args, env: options.env })),
  );
  const apps = [first, ...rest];
  const balancer = await startTcpBalancer(
    apps.map((app) => {
      const { hostname, port } = new URL(app.url);
      return { host: hostname, port: Number(port) };
    }),
  );
  return {
    url: `http://127.0.0.1:${balancer.port}`,
    apps,
    balancer,
    async stop() {
      await balancer.close();
      return Promise.all(apps.map((app) => app.stop()));
    },
  };
}

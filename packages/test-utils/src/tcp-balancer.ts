import { createConnection, createServer, type Socket } from 'node:net';

/** A local TCP balancer in front of several copies of one server. */
export interface TcpBalancer {
  /** The port clients connect to. */
  readonly port: number;
  /** How many connections each backend was given, in the order of `backends`. */
  connectionsPerBackend(): readonly number[];
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/**
 * Starts a balancer on a free local port that hands each new connection to the next backend in
 * turn (round robin), as a load balancer in front of several app processes would. HTTP
 * keep-alive keeps a connection on one backend: concurrent requests open several connections and
 * so spread over the backends.
 *
 * @example
 * const balancer = await startTcpBalancer(apps.map((app) => ({ host: '127.0.0.1', port: app.port })));
 * await fetch(`http://127.0.0.1:${balancer.port}/health`);
 */
export async function startTcpBalancer(
  backends: ReadonlyArray<{ host: string; port: number }>,
): Promise<TcpBalancer> {
  if (backends.length === 0) throw new Error('startTcpBalancer: no backend');
  const counts = backends.map(() => 0);
  const sockets = new Set<Socket>();
  let next = 0;

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  const server = createServer((client) => {
    const index = next;
    next = (next + 1) % backends.length;
    counts[index] = (counts[index] ?? 0) + 1;
    const upstream = createConnection(backends[index] as { host: string; port: number });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });

  return {
    port,
    connectionsPerBackend: () => [...counts],
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

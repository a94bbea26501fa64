import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A local TCP proxy in front of a shared server (Redis, Postgres). Stopping it makes the server
 * look down to the clients behind it, without touching the server other tests use.
 */
export interface TcpProxy {
  /** The port clients connect to; the same across stop/start, so clients can reconnect. */
  readonly port: number;
  /** Refuses new connections and cuts the open ones, as a crashed server would. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Starts a proxy on a free local port forwarding to `target`.
 *
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
 * const redis = new Redis({ port: proxy.port });
 * await proxy.stop(); // Redis is "down" for this client only
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  function createProxyServer(): Server {
    return createServer((client) => {
      const upstream = createConnection(target);
      track(client);
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  server = createProxyServer();
  const port = await listen(server, 0);

  return {
    port,
    async stop() {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (server !== undefined) return;
      server = createProxyServer();
      await listen(server, port);
    },
  };
}

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
  /** Listens again on the same port, forwarding again; ends a `blackhole()`. */
  start(): Promise<void>;
  /**
   * A half-open network: open connections stay open and new ones are accepted, but no byte
   * goes through either way, as when a server host vanishes without a reset. `start()` ends it,
   * resetting the connections that saw it (as the peer's TCP stack eventually would).
   */
  blackhole(): void;
  /**
   * The local ports of the proxy's open connections to the target: the `client_port` a Postgres
   * server sees, so a test can `pg_terminate_backend` exactly the backends behind this proxy.
   */
  upstreamLocalPorts(): number[];
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
  const upstreams = new Set<Socket>();
  let server: Server | undefined;
  let holing = false;

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  function createProxyServer(): Server {
    return createServer((client) => {
      track(client);
      // Accepted and never answered: the bytes stay in the client's socket.
      if (holing) return client.pause();
      const upstream = createConnection(target);
      track(upstream);
      upstreams.add(upstream);
      upstream.on('close', () => upstreams.delete(upstream));
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
      if (holing) {
        holing = false;
        for (const socket of sockets) socket.destroy();
      }
      if (server !== undefined) return;
      server = createProxyServer();
      await listen(server, port);
    },
    upstreamLocalPorts() {
      return [...upstreams].flatMap((socket) =>
        socket.localPort === undefined ? [] : [socket.localPort],
      );
    },
    blackhole() {
      holing = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
  };
}

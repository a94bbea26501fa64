import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpBalancer, type TcpBalancer } from '../src/tcp-balancer.js';

function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(name));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    }),
  );
}

describe('startTcpBalancer', () => {
  let backends: Array<{ server: Server; port: number }>;
  let balancer: TcpBalancer;
  beforeAll(async () => {
    backends = await Promise.all(['a', 'b', 'c'].map(backend));
    balancer = await startTcpBalancer(backends.map(({ port }) => ({ host: '127.0.0.1', port })));
  });
  afterAll(async () => {
    await balancer.close();
    for (const { server } of backends) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('hands concurrent connections to every backend in turn', async () => {
    const answers = await Promise.all(
      Array.from({ length: 9 }, async () => {
        const response = await fetch(`http://127.0.0.1:${balancer.port}/`);
        return response.text();
      }),
    );
    expect(new Set(answers)).toEqual(new Set(['a', 'b', 'c']));
    const counts = balancer.connectionsPerBackend();
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../src/tcp-proxy.js';

/** Resolves the first data `socket` receives, or `'(nothing)'` after `waitMs`. */
function firstData(socket: Socket, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('(nothing)'), waitMs);
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      resolve(chunk.toString());
    });
  });
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('startTcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;
  beforeAll(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    const port = await new Promise<number>((resolve) =>
      echo.listen(0, '127.0.0.1', () => resolve((echo.address() as { port: number }).port)),
    );
    proxy = await startTcpProxy({ host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('forwards, goes silent on blackhole() for open and new connections, and recovers on start()', async () => {
    const before = await connect(proxy.port);
    before.on('error', () => {});
    before.write('one');
    expect(await firstData(before, 2000)).toBe('one');

    proxy.blackhole();
    before.write('two');
    expect(await firstData(before, 300)).toBe('(nothing)');
    expect(before.destroyed).toBe(false);
    const during = await connect(proxy.port);
    during.on('error', () => {});
    during.write('three');
    expect(await firstData(during, 300)).toBe('(nothing)');

    const reset = new Promise((resolve) => during.once('close', resolve));
    await proxy.start();
    await reset; // the half-open connections are cut, so their clients reconnect
    const after = await connect(proxy.port);
    after.write('four');
    expect(await firstData(after, 2000)).toBe('four');
    after.destroy();
    before.destroy();
  });
});

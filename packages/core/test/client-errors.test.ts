import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Duplex } from 'node:stream';
import { rawHttp } from '@rampart/test-utils';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { problemClientErrors } from '../src/http/client-errors.js';

const EXTRA = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

let nodeServer: Server;
let fastify: FastifyInstance;
const ports = { 'node:http (Express)': 0, Fastify: 0 };

beforeAll(async () => {
  // Express apps run on a plain node:http server: the listener goes on the server.
  nodeServer = createServer((_req, res) => res.end('ok'));
  nodeServer.on('clientError', problemClientErrors({ headers: EXTRA }));
  await new Promise<void>((resolve) => nodeServer.listen(0, '127.0.0.1', resolve));
  ports['node:http (Express)'] = (nodeServer.address() as AddressInfo).port;

  fastify = Fastify({ clientErrorHandler: problemClientErrors({ headers: EXTRA }) });
  fastify.get('/', async () => 'ok');
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  ports.Fastify = (fastify.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => nodeServer.close(resolve));
  await fastify.close();
});

function expectCompleteProblem(
  headers: { get(name: string): string | null },
  body: string,
  status: number,
  code: string,
) {
  expect(headers.get('content-type')).toBe('application/problem+json');
  expect(headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
  expect(headers.get('connection')).toBe('close');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('cache-control')).toBe('no-store');
  const problem = JSON.parse(body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code });
  expect(Object.keys(problem).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
}

describe.each(Object.keys(ports) as Array<keyof typeof ports>)(
  'problemClientErrors on %s',
  (name) => {
    const port = () => ports[name];

    it('answers a 100 KB header with a 431 problem that fetch reads whole', async () => {
      const response = await fetch(`http://127.0.0.1:${port()}/`, {
        headers: { 'x-big': 'a'.repeat(100 * 1024) },
      });
      expect(response.status).toBe(431);
      expectCompleteProblem(response.headers, await response.text(), 431, 'ERR_HEADERS_TOO_LARGE');
    });

    it.each([
      ['a malformed request line', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['an unknown method', 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['a header without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n'],
      ['TLS on the plain port', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
      [
        'Content-Length beside Transfer-Encoding',
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
    ])('answers %s with a complete 400 problem and a clean close', async (_case, text) => {
      const response = await rawHttp(port(), text);
      expect(response.status).toBe(400);
      const headers = new Headers(response.headers as Record<string, string>);
      expectCompleteProblem(headers, response.body, 400, 'ERR_MALFORMED_REQUEST');
      expect(response.socketError).toBeNull();
    });

    it('keeps reading after the answer: a client still sending its header is not reset', async () => {
      // Node's own answer destroys the socket with the rest of the request unread; the kernel then
      // resets the connection, which can overtake the answer (this test sees ECONNRESET then).
      const outcome = await new Promise<{ head: string; error: string | null; ended: boolean }>(
        (resolve) => {
          const socket = connect({ port: port(), host: '127.0.0.1', allowHalfOpen: true });
          let received = '';
          let error: string | null = null;
          let ended = false;
          let sentRest = false;
          socket.on('data', (chunk: Buffer) => {
            received += chunk.toString('latin1');
            if (!sentRest && received.includes('\r\n\r\n')) {
              sentRest = true;
              socket.write('b'.repeat(256 * 1024), () => setTimeout(() => socket.end(), 20));
            }
          });
          socket.on('end', () => {
            ended = true;
          });
          socket.on('error', (e: NodeJS.ErrnoException) => {
            error = e.code ?? e.message;
          });
          socket.on('close', () => resolve({ head: received.slice(0, 12), error, ended }));
          socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}`);
        },
      );
      expect(outcome).toEqual({ head: 'HTTP/1.1 431', error: null, ended: true });
    });
  },
);

describe('problemClientErrors', () => {
  it('answers a request that times out with a 408 problem', async () => {
    const server = createServer({ requestTimeout: 100, connectionsCheckingInterval: 20 }, (_q, r) =>
      r.end('ok'),
    );
    server.on('clientError', problemClientErrors());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // Headers never finished: Node's request timeout fires.
    const response = await rawHttp((server.address() as AddressInfo).port, 'GET / HTTP/1.1\r\n');
    expect(response.status).toBe(408);
    expect(JSON.parse(response.body)).toMatchObject({ status: 408, code: 'ERR_REQUEST_TIMEOUT' });
    await new Promise((resolve) => server.close(resolve));
  });

  /** A server socket stand-in: records what is written, and whether it was destroyed. */
  function fakeSocket(inFlight?: { headersSent: boolean }) {
    const written: Buffer[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk);
        callback();
      },
    });
    if (inFlight !== undefined) Object.assign(socket, { _httpMessage: inFlight });
    return { socket, written };
  }

  const parseError = Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' });

  it('writes nothing on a connection whose response is already on the wire', () => {
    const { socket, written } = fakeSocket({ headersSent: true });
    problemClientErrors()(parseError, socket);
    expect(written).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });

  it('answers once, however often Node reports the error, and destroys a reset socket', () => {
    const { socket, written } = fakeSocket({ headersSent: false });
    const listener = problemClientErrors();
    listener(parseError, socket);
    listener(parseError, socket);
    expect(written).toHaveLength(1);
    expect(written[0]?.toString('latin1')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);

    const reset = fakeSocket();
    listener(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset.socket);
    expect(reset.written).toEqual([]);
    expect(reset.socket.destroyed).toBe(true);
  });

  it.each([
    [{ headers: { 'X-Bad': 'a\r\nSet-Cookie: x=1' } }, 'problemClientErrors.headers.X-Bad'],
    [{ headers: { 'Bad Name': 'a' } }, 'problemClientErrors.headers.Bad Name'],
    [{ headers: { 'content-length': '0' } }, 'problemClientErrors.headers.content-length'],
    [{ headers: { 'X-Number': 1 } }, 'problemClientErrors.headers.X-Number'],
    [{ headers: 'X-Frame-Options: DENY' }, 'problemClientErrors.headers'],
    [{ header: {} }, 'problemClientErrors.header'],
  ])('refuses %j at start-up', (options, option) => {
    expect(() => problemClientErrors(options as never)).toThrow(RampartConfigError);
    expect(() => problemClientErrors(options as never)).toThrow(`${option}:`);
  });
});

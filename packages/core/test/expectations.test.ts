import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { rawHttp } from '@rampart/test-utils';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RampartConfigError } from '../src/errors/configuration-error.js';
import { problemExpectations } from '../src/http/expectations.js';

const EXTRA = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

let nodeServer: Server;
let fastify: FastifyInstance;
const ports = { 'node:http (Express)': 0, Fastify: 0 };

/** Both servers echo the body they read, so a body that was discarded shows as missing. */
beforeAll(async () => {
  // As an app that checks Host itself (strictRequest) would run: Node no longer refuses it.
  nodeServer = createServer({ requireHostHeader: false }, (req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => res.end(`ok:${body}`));
  });
  nodeServer.on('checkExpectation', problemExpectations({ headers: EXTRA }));
  await new Promise<void>((resolve) => nodeServer.listen(0, '127.0.0.1', resolve));
  ports['node:http (Express)'] = (nodeServer.address() as AddressInfo).port;

  fastify = Fastify({ http: { requireHostHeader: false } });
  fastify.server.on('checkExpectation', problemExpectations({ headers: EXTRA }));
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  fastify.all('/*', async (request) => `ok:${(request.body as string | undefined) ?? ''}`);
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  ports.Fastify = (fastify.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => nodeServer.close(resolve));
  await fastify.close();
});

/** Everything the server sent on one connection until it closed. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.write(text, 'latin1');
  });
}

describe.each(Object.keys(ports) as Array<keyof typeof ports>)(
  'problemExpectations on %s',
  (name) => {
    const port = () => ports[name];

    it('answers an expectation other than 100-continue with a complete 417 problem', async () => {
      const response = await rawHttp(
        port(),
        'GET /a/b?secret=1 HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n',
      );
      expect(response.status).toBe(417);
      expect(response.socketError).toBeNull();
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(response.body)).toEqual({
        type: 'urn:rampart:problem:err-expectation-failed',
        title: 'Expectation failed',
        status: 417,
        detail: expect.stringContaining('100-continue'),
        instance: '/a/b',
        code: 'ERR_EXPECTATION_FAILED',
      });
    });

    it('discards the refused body and keeps the connection, as Node does', async () => {
      // The body must not be read as the next request (`GET /smuggled`), nor reach the app.
      const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
      const text =
        `POST /a HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: ${smuggled.length}\r\n\r\n` +
        smuggled +
        'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnext';
      const received = await exchange(port(), text);
      const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
      expect(statuses).toEqual(['417', '200']);
      expect(received).toContain('ok:next');
      expect(received).not.toContain('smuggled');
    });

    it('answers an HTTP/1.1 request without Host with 400 first, as Node would', async () => {
      const response = await rawHttp(
        port(),
        'GET /a HTTP/1.1\r\nExpect: foo\r\nConnection: close\r\n\r\n',
      );
      expect(response.status).toBe(400);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(response.body)).toMatchObject({
        status: 400,
        code: 'ERR_MALFORMED_REQUEST',
        instance: '/a',
      });
    });

    it('leaves Expect: 100-continue to Node: 100 Continue, then the app reads the body', async () => {
      const received = await exchange(
        port(),
        'POST /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n' +
          'Connection: close\r\n\r\nbody',
      );
      expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
      expect(received).toContain('ok:body');
    });
  },
);

describe('problemExpectations', () => {
  it.each([
    [{ headers: { 'Bad Name': 'x' } }, 'problemExpectations.headers.Bad Name'],
    [{ headers: { 'Content-Type': 'text/html' } }, 'problemExpectations.headers.Content-Type'],
    [{ headers: { 'X-A': 'a\r\nSet-Cookie: b' } }, 'problemExpectations.headers.X-A'],
    [{ header: {} }, 'problemExpectations.header'],
  ])('refuses %j at start-up, naming %s', (options, option) => {
    expect(() => problemExpectations(options as never)).toThrow(RampartConfigError);
    expect(() => problemExpectations(options as never)).toThrow(`${option}:`);
  });
});

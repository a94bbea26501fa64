import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClock } from '@rampart/core';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type Alert, callbackAlertSink, createAlerter, webhookAlertSink } from '../src/index.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A local receiver answering each request with the next status of `statuses` (then 204). */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 204;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, received };
}

describe('alerts', () => {
  it("a critical event is POSTed signed the Standard Webhooks way: the package's own verifier accepts it", async () => {
    const { url, received } = await receiver();
    const alerts = createAlerter({ sinks: [webhookAlertSink({ url, secret: SECRET })] });
    alerts.observe({
      type: 'TOKEN_REUSE',
      severity: 'critical',
      userId: 'u1',
      ip: '192.0.2.1',
      code: 'ERR_TOKEN_REUSED',
    });
    await alerts.drain();
    expect(received).toHaveLength(1);
    const [message] = received as [Received];
    const verified = new Webhook(SECRET).verify(
      message.body,
      message.headers as Record<string, string>,
    );
    expect(verified).toMatchObject({
      type: 'rampart.security_alert',
      data: {
        rule: 'critical-event',
        type: 'TOKEN_REUSE',
        event: { userId: 'u1', ip: '192.0.2.1' },
      },
    });
    expect(message.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 8).toString('base64')}`).verify(
        message.body,
        message.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('a receiver that fails is retried with the same webhook-id until it answers 2xx', async () => {
    const { url, received } = await receiver([500, 503]);
    const alerts = createAlerter({
      sinks: [webhookAlertSink({ url, secret: SECRET, retryDelayMs: 1 })],
    });
    alerts.observe({ type: 'PRIVILEGE_ESCALATION', severity: 'critical', userId: 'u2' });
    await alerts.drain();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(alerts.stats()).toMatchObject({ raised: 1, delivered: 1, failed: 0 });
  });

  it('repeats within the dedup window are folded, and the next alert after it says how many', async () => {
    const clock = createFakeClock();
    const delivered: Alert[] = [];
    const alerts = createAlerter({
      sinks: [callbackAlertSink((alert) => void delivered.push(alert))],
      clock,
    });
    for (let i = 0; i < 5; i++) {
      alerts.observe({ type: 'SESSION_HIJACK_ATTEMPT', severity: 'critical', userId: 'u3' });
      clock.advance(1000);
    }
    await alerts.drain();
    expect(delivered).toHaveLength(1);
    clock.advance(60_000);
    alerts.observe({ type: 'SESSION_HIJACK_ATTEMPT', severity: 'critical', userId: 'u3' });
    await alerts.drain();
    expect(delivered).toHaveLength(2);
    expect(delivered[1]?.folded).toBe(4);
    expect(alerts.stats()).toMatchObject({ raised: 2, folded: 4 });
  });

  it('a threshold rule fires when the count is reached within the window, per group', async () => {
    const clock = createFakeClock();
    const delivered: Alert[] = [];
    const alerts = createAlerter({
      rules: [
        {
          name: 'spray',
          types: ['LOGIN_FAILURE'],
          threshold: { count: 3, windowMs: 10_000, groupBy: 'ip' },
        },
      ],
      sinks: [callbackAlertSink((alert) => void delivered.push(alert))],
      clock,
    });
    const fail = (ip: string) => alerts.observe({ type: 'LOGIN_FAILURE', severity: 'warning', ip });
    fail('192.0.2.1');
    fail('192.0.2.1');
    fail('192.0.2.2');
    clock.advance(11_000); // the first two leave the window
    fail('192.0.2.1');
    fail('192.0.2.1');
    await alerts.drain();
    expect(delivered).toHaveLength(0);
    fail('192.0.2.1');
    await alerts.drain();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ count: 3, group: { by: 'ip', value: '192.0.2.1' } });
  });

  it('a receiver that hangs never blocks observe(); pending alerts stay bounded', async () => {
    const hanging = createServer(() => {}); // never answers
    servers.push(hanging);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`;
    const alerts = createAlerter({
      sinks: [webhookAlertSink({ url, secret: SECRET, timeoutMs: 30_000, retries: 0 })],
      dedupWindowMs: 0,
      maxPending: 10,
      concurrency: 2,
      onError: () => {}, // the hanging connections are cut when the test ends
    });
    for (let i = 0; i < 100; i++)
      alerts.observe({ type: 'ADMIN_ACTION', severity: 'critical', userId: `a${i}` });
    const stats = alerts.stats();
    expect(stats.raised).toBe(100);
    expect(stats.pending).toBeLessThanOrEqual(12);
    expect(stats.dropped).toBe(88);
  });

  it.each([
    ['a secret without the whsec_ prefix', { secret: Buffer.alloc(32).toString('base64') }],
    ['a secret of 8 bytes', { secret: `whsec_${Buffer.alloc(8).toString('base64')}` }],
    ['a URL that is not http(s)', { url: 'ftp://example.com/x' }],
  ])('refuses %s at construction, naming the option', (_name, bad) => {
    expect(() =>
      webhookAlertSink({ url: 'https://example.com/hook', secret: SECRET, ...bad }),
    ).toThrow(/webhookAlertSink\.(secret|url)/);
  });
});

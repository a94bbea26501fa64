import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MemoryNonceStore } from '@rampart/core';
import { jsonBody } from '@rampart/core/express';
import { build } from 'esbuild';
import express from 'express';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSigning } from '../src/express.js';
import { staticSigningSecrets } from '../src/index.js';
import { KEY_ID, SECRET } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`⚠ browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

/**
 * The client entry bundled for a browser. `platform: 'browser'` makes any `node:` import a build
 * error, so this also proves the entry is browser-safe.
 */
async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/client.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}

describe.skipIf(!hasChromium)('the client in a real browser (headless Chromium)', () => {
  let browser: Browser;
  let server: ReturnType<express.Express['listen']>;
  let origin: string;

  beforeAll(async () => {
    const bundle = await bundleClient();
    const app = express();
    app.get('/', (_req, res) => {
      res.type('html').send('<!doctype html><title>client</title>');
    });
    app.get('/client.js', (_req, res) => {
      res.type('text/javascript').send(bundle);
    });
    app.use(jsonBody());
    app.post(
      '/api/v1/entities/:entityId/records',
      requestSigning({
        getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET }),
        nonceStore: new MemoryNonceStore(),
      }),
      (req, res) => {
        res.status(201).json({ scheme: req.signedRequest?.scheme, data: req.body.data });
      },
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('signs with WebCrypto in the page; the server verifies both schemes and refuses a replay', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    // A string, not a function: Vitest would rewrite a function's `import()` for Node.
    const script = `(async ({ keyId, secret }) => {
      const client = await import('/client.js');
      const out = [];
      const body = JSON.stringify({ data: { from: 'browser', n: 1 } }, null, 2);
      for (const scheme of ['rampart-v1', 'rfc9421']) {
        const signedFetch = client.createSignedFetch(fetch, { keyId, secret, scheme });
        const response = await signedFetch('/api/v1/entities/e1/records?via=page', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        out.push({ status: response.status, body: await response.json() });
      }
      const url = '/api/v1/entities/e2/records';
      const headers = await client.signRequest({ method: 'POST', url, body, keyId, secret });
      const init = { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
      for (let i = 0; i < 2; i++) {
        const response = await fetch(url, init);
        out.push({ status: response.status, body: await response.json() });
      }
      return { secure: globalThis.isSecureContext, out };
    })(${JSON.stringify({ keyId: KEY_ID, secret: SECRET })})`;
    const results = (await page.evaluate(script)) as {
      secure: boolean;
      out: Array<{ status: number; body: unknown }>;
    };
    expect(results.secure).toBe(true);
    expect(results.out.map((r) => r.status)).toEqual([201, 201, 201, 401]);
    expect(results.out[0]?.body).toEqual({ scheme: 'rampart-v1', data: { from: 'browser', n: 1 } });
    expect(results.out[1]?.body).toEqual({ scheme: 'rfc9421', data: { from: 'browser', n: 1 } });
    expect(results.out[3]?.body).toMatchObject({ code: 'ERR_NONCE_REPLAYED' });
  }, 60_000);
});

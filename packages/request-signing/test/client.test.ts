import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSignedFetch, importClientSecret, randomNonce, signRequest } from '../src/client.js';
import { KEY_ID, NOW, SECRET } from './helpers.js';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every file the client entry imports, transitively (relative imports only are followed). */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g),
    ].map((m) => (m[1] ?? m[2]) as string);
    graph.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) pending.push(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
    }
  }
  return graph;
}

describe('the client entry', () => {
  it('imports nothing but its own browser-safe files (no node:, no server code, no packages)', () => {
    const graph = importGraph(resolve(srcDir, 'client.ts'));
    const external = [...graph.values()].flat().filter((s) => !s.startsWith('.'));
    expect(external).toEqual([]);
    for (const file of graph.keys()) {
      expect(file).toMatch(/\/src\/(client\.ts|client\/|shared\/)/);
      expect(readFileSync(file, 'utf8')).not.toMatch(/\bBuffer\.|\bprocess\.|require\(/);
    }
  });

  it('refuses secrets the server would refuse', async () => {
    await expect(importClientSecret('c2hvcnQ')).rejects.toThrow(RangeError);
    await expect(importClientSecret(`${SECRET}=`)).rejects.toThrow(TypeError);
    await expect(importClientSecret(new Uint8Array(65))).rejects.toThrow(RangeError);
    const aesKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
    ]);
    await expect(importClientSecret(aesKey)).rejects.toThrow(TypeError);
  });

  it('signs with a CryptoKey exactly as with the raw secret', async () => {
    const key = await importClientSecret(SECRET);
    const base = {
      method: 'PATCH',
      url: 'https://x.test/a?b=1',
      body: 'hi',
      keyId: KEY_ID,
      now: NOW,
      nonce: 'abcdefghijklmnopqrst',
    };
    expect(await signRequest({ ...base, secret: key })).toEqual(
      await signRequest({ ...base, secret: SECRET }),
    );
  });

  it('makes 24-character base64url nonces that do not repeat', () => {
    const nonces = new Set(Array.from({ length: 1000 }, randomNonce));
    expect(nonces.size).toBe(1000);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('signs the target as fetch sends it and passes the headers and body on', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = async (input: string | URL, init?: RequestInit) => {
      seen.push({ url: String(input), init: init ?? {} });
      return new Response('{}');
    };
    const signedFetch = createSignedFetch(fakeFetch, { keyId: KEY_ID, secret: SECRET });
    await signedFetch('https://x.test/a/./b/../c?q=a b', {
      method: 'post',
      headers: { 'content-type': 'application/json', 'x-trace': '1' },
      body: '{"a":1}',
    });
    const headers = new Headers(seen[0]?.init.headers);
    expect(headers.get('x-trace')).toBe('1');
    expect(headers.get('x-key-id')).toBe(KEY_ID);
    expect(headers.get('x-signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(new TextDecoder().decode(seen[0]?.init.body as Uint8Array)).toBe('{"a":1}');
  });

  it('refuses a body it cannot hash before sending', async () => {
    const signedFetch = createSignedFetch(async () => new Response(''), {
      keyId: KEY_ID,
      secret: SECRET,
    });
    await expect(
      signedFetch('https://x.test/', { method: 'POST', body: new URLSearchParams({ a: '1' }) }),
    ).rejects.toThrow(TypeError);
  });
});

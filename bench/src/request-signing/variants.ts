/**
 * The variants of the request-signing benchmark: verifying one signed request with a 1 KiB body.
 * Every signed request is made before the run (signing is not what is measured), from a pool
 * indexed by the harness's input number. One verifier serves the run; its memory nonce store
 * serves one pass over the pool: the harness's input numbers only grow, so a new pass starts with
 * a new store, no nonce is ever replayed, and every op must answer `true`.
 */
import { createHmac, createSecretKey, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  defineSyncTwin,
  MemoryNonceStore,
  type NonceStore,
  type SecurityRequest,
  syncTwinOf,
} from '@rampart/core';
import {
  createRequestVerifier,
  importSigningSecret,
  RAMPART_V1,
  type RequestVerifier,
  rampartV1SigningString,
  staticSigningSecrets,
} from '@rampart/request-signing';
import { signRequest } from '@rampart/request-signing/client';
import { createVerifier, httpbis } from 'http-message-signatures';
import type { Variant } from '../harness/runner.js';

/**
 * Signed requests per pool. Small enough to stay in the CPU caches, as a request a server just
 * parsed is: with 200,000 the loop measured mostly cache misses on the pool itself, a cost the
 * bare loop (one constant body) never pays.
 */
export const POOL_SIZE = 16_384;

const KEY_ID = 'bench-client';
const SECRET = randomBytes(32);
const SECRET_TEXT = SECRET.toString('base64url');
const TARGET = '/api/v1/entities/e1/records?dryRun=true';
const URL_TEXT = `https://api.example.com${TARGET}`;

/** A 1 KiB JSON body (exactly 1024 bytes). */
export function kibBody(): Buffer {
  const prefix = '{"data":{"blob":"';
  const suffix = '"}}';
  return Buffer.from(prefix + 'x'.repeat(1024 - prefix.length - suffix.length) + suffix);
}

const BODY = kibBody();

function nonceOf(i: number): string {
  return `bench-nonce-${String(i).padStart(12, '0')}`;
}

function request(headers: Record<string, string>): SecurityRequest {
  return { method: 'POST', url: TARGET, headers, ip: '127.0.0.1', rawBody: BODY };
}

/** rampart-v1 requests, signed with node:crypto's createHmac (independent of the package). */
function rampartV1Pool(now: number): SecurityRequest[] {
  const bodyHash = hash('sha256', BODY, 'hex');
  return Array.from({ length: POOL_SIZE }, (_, i) => {
    const nonce = nonceOf(i);
    const message = rampartV1SigningString({
      keyId: KEY_ID,
      method: 'POST',
      target: TARGET,
      timestamp: String(now),
      nonce,
      bodySha256Hex: bodyHash,
    });
    return request({
      'content-type': 'application/json',
      'x-key-id': KEY_ID,
      'x-nonce': nonce,
      'x-timestamp': String(now),
      'x-signature': createHmac('sha256', SECRET).update(message).digest('hex'),
    });
  });
}

/** RFC 9421 requests (`@method @path @query content-digest`), signed by the package's client. */
async function rfc9421Pool(now: number): Promise<SecurityRequest[]> {
  const pool: SecurityRequest[] = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const headers = await signRequest({
      method: 'POST',
      url: URL_TEXT,
      body: BODY,
      keyId: KEY_ID,
      secret: SECRET_TEXT,
      scheme: 'rfc9421',
      now,
      nonce: nonceOf(i),
    });
    pool.push(
      request({
        'content-type': 'application/json',
        'content-digest': headers['Content-Digest'] as string,
        'signature-input': headers['Signature-Input'] as string,
        signature: headers.Signature as string,
      }),
    );
  }
  return pool;
}

/** The memory store's synchronous claim (core's fast-path convention), found once. */
const memoryClaimNow = syncTwinOf(MemoryNonceStore.prototype, 'claim');

/**
 * What the Express and Fastify adapters call: the verifier's synchronous twin of `verify`, found
 * on each request as they find it.
 */
function verifyNow(verifier: RequestVerifier, request: SecurityRequest) {
  const twin = syncTwinOf(verifier, 'verify');
  return twin === undefined ? verifier.verify(request) : twin.call(verifier, request);
}

/**
 * A `MemoryNonceStore` replaced at each pass over the pool. A class rather than closures per
 * verifier, so every verifier of the run calls the one synchronous twin of `claim`, as a
 * server's one verifier does.
 */
class PerPassNonceStore implements NonceStore {
  #store = PerPassNonceStore.#fresh();
  #pass = -1;

  static #fresh(): MemoryNonceStore {
    return new MemoryNonceStore({ maxEntries: 10_000_000, sweepIntervalMs: 0 });
  }

  /** Starts a fresh store when op `i` begins a new pass over the pool. */
  startPassOf(i: number): void {
    const pass = Math.floor(i / POOL_SIZE);
    if (pass !== this.#pass) {
      this.#store = PerPassNonceStore.#fresh();
      this.#pass = pass;
    }
  }

  reset(): void {
    this.#pass = -1;
  }

  claim(scope: string, nonce: string, ttlMs: number): Promise<boolean> {
    return this.#store.claim(scope, nonce, ttlMs);
  }

  static {
    // The memory store's twin behind this one, so the verifier claims without a promise.
    defineSyncTwin(PerPassNonceStore.prototype, 'claim', function claimNow(scope, nonce, ttlMs) {
      const store = this.#store;
      return memoryClaimNow === undefined
        ? store.claim(scope, nonce, ttlMs)
        : memoryClaimNow.call(store, scope, nonce, ttlMs);
    });
  }
}

export const BARE = 'HMAC-SHA256 + timingSafeEqual over the body (bare)';
export const OURS_V1 = 'createRequestVerifier, rampart-v1, memory store';
export const OURS_V1_PROMISE = 'the same through verify() (a promise per request)';
export const OURS_RFC = 'createRequestVerifier, RFC 9421, memory store';
export const OURS_NO_STORE = 'breakdown: rampart-v1 verifier, no-op nonce store';
export const CRYPTO_ONLY = 'breakdown: SHA-256 of the body + HMAC of the signing string';
export const PEER = 'http-message-signatures verifyMessage (hmac-sha256)';
export const PEER_DIGEST = 'http-message-signatures verifyMessage + Content-Digest check';

export async function requestSigningVariants(): Promise<Variant[]> {
  const now = Date.now();
  const v1Pool = rampartV1Pool(now);
  const rfcPool = await rfc9421Pool(now);
  const key = createSecretKey(SECRET);
  const bareExpected = createHmac('sha256', key).update(BODY).digest();

  /**
   * One verifier for the run, as a server has one for its life, over a memory nonce store that
   * is replaced at each pass over the pool (the pool's nonces repeat from one pass to the next).
   * Replacing the whole verifier each pass instead measured ~0.2 µs an op slower, a cost no
   * server pays.
   */
  const perPass = () => {
    const store = new PerPassNonceStore();
    const verifier = createRequestVerifier({
      getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET_TEXT }),
      nonceStore: store,
    });
    return {
      reset: () => store.reset(),
      at(i: number) {
        store.startPassOf(i);
        return verifier;
      },
    };
  };
  const v1Verifier = perPass();
  const v1PromiseVerifier = perPass();
  const noStoreVerifier = createRequestVerifier({
    getSecrets: staticSigningSecrets({ [KEY_ID]: SECRET_TEXT }),
    nonceStore: { claim: () => Promise.resolve(true) },
  });
  const signingKey = importSigningSecret(SECRET_TEXT);
  const rfcVerifier = perPass();

  const peerKey = {
    id: KEY_ID,
    algs: ['hmac-sha256'],
    verify: createVerifier(SECRET, 'hmac-sha256'),
  };
  const peerConfig = {
    keyLookup: async () => peerKey,
    requiredFields: ['@method', '@path', '@query', 'content-digest'],
    requiredParams: ['created', 'keyid', 'nonce'],
    // Its `tolerance` is subtracted from `created` before the `maxAge` test, which would make
    // every signature look 300 s older; the future bound is given as `notAfter` instead.
    maxAge: 300,
    notAfter: Math.floor(now / 1000) + 300,
  };
  const peerRequest = (i: number) => {
    const headers = (rfcPool[i % POOL_SIZE] as SecurityRequest).headers as Record<string, string>;
    return { method: 'POST', url: URL_TEXT, headers };
  };

  return [
    {
      name: BARE,
      async op() {
        const mac = createHmac('sha256', key).update(BODY).digest();
        return mac.length === bareExpected.length && timingSafeEqual(mac, bareExpected);
      },
    },
    {
      name: OURS_V1,
      baseline: BARE,
      beforeRound: v1Verifier.reset,
      // What the Express and Fastify adapters call; it throws on any refusal. Written as the
      // other variants are, an async function, so every row pays the harness's one await.
      async op(i) {
        const result = verifyNow(v1Verifier.at(i), v1Pool[i % POOL_SIZE] as SecurityRequest);
        if (result instanceof Promise) await result;
        return true;
      },
    },
    {
      name: OURS_V1_PROMISE,
      baseline: BARE,
      beforeRound: v1PromiseVerifier.reset,
      async op(i) {
        await v1PromiseVerifier.at(i).verify(v1Pool[i % POOL_SIZE] as SecurityRequest);
        return true;
      },
    },
    {
      name: OURS_NO_STORE,
      baseline: BARE,
      async op(i) {
        await noStoreVerifier.verify(v1Pool[i % POOL_SIZE] as SecurityRequest);
        return true;
      },
    },
    {
      name: CRYPTO_ONLY,
      baseline: BARE,
      async op(i) {
        const req = v1Pool[i % POOL_SIZE] as SecurityRequest;
        const headers = req.headers as Record<string, string>;
        const message = rampartV1SigningString({
          keyId: KEY_ID,
          method: req.method,
          target: req.url,
          timestamp: headers['x-timestamp'] as string,
          nonce: headers['x-nonce'] as string,
          bodySha256Hex: hash('sha256', req.rawBody as Uint8Array, 'hex'),
        });
        return signingKey.signHex(message) === headers['x-signature'];
      },
    },
    {
      name: OURS_RFC,
      baseline: BARE,
      beforeRound: rfcVerifier.reset,
      // Written out, not shared with the rampart-v1 row through a helper: one op closure over two
      // pools of differently shaped headers mixes their type feedback into both rows' figures.
      async op(i) {
        const result = verifyNow(rfcVerifier.at(i), rfcPool[i % POOL_SIZE] as SecurityRequest);
        if (result instanceof Promise) await result;
        return true;
      },
    },
    {
      name: PEER,
      baseline: BARE,
      op: async (i) => (await httpbis.verifyMessage(peerConfig, peerRequest(i))) === true,
    },
    {
      name: PEER_DIGEST,
      baseline: BARE,
      async op(i) {
        const req = peerRequest(i);
        if ((await httpbis.verifyMessage(peerConfig, req)) !== true) return false;
        const digest = Buffer.from(hash('sha256', BODY, 'base64'));
        const field = Buffer.from(req.headers['content-digest']?.slice(9, -1) ?? '');
        return digest.length === field.length && timingSafeEqual(digest, field);
      },
    },
  ];
}

/** The scheme identifier, re-exported so the report names what was measured. */
export { RAMPART_V1 };

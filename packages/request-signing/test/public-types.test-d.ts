/**
 * Type tests: what a user of `@rampart/request-signing` relies on, imported as a user imports it
 * (the package name and its subpaths, resolved to the sources), pinned. A changed option,
 * result, error code or adapter signature fails `pnpm vitest run --project request-signing`,
 * which runs tsc over this file.
 */
import { MemoryNonceStore, type NonceStore, type SecurityRequest } from '@rampart/core';
import * as root from '@rampart/request-signing';
import {
  createRequestVerifier,
  type GetSigningSecrets,
  type RequestVerifier,
  type RequestVerifierOptions,
  SIGNATURE_ERROR_CODES,
  type SignatureErrorCode,
  type SignatureScheme,
  type SigningSecret,
  type SigningSecrets,
  staticSigningSecrets,
  type VerifiedSignature,
} from '@rampart/request-signing';
import * as client from '@rampart/request-signing/client';
import {
  createSignedFetch,
  type FetchLike,
  type SigningCredentials,
  type SignRequestOptions,
  signRequest,
} from '@rampart/request-signing/client';
import {
  type RequestSigningExpressOptions,
  requestSigning,
} from '@rampart/request-signing/express';
import {
  type FastifyRequestSigningOptions,
  fastifyRequestSigning,
  requestSigningPreHandler,
} from '@rampart/request-signing/fastify';
import type { Request as ExpressRequest, RequestHandler } from 'express';
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyRequest,
  preHandlerHookHandler,
} from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';

const getSecrets = staticSigningSecrets({ 'client-a': 'secret' });
const nonceStore = new MemoryNonceStore();

describe('createRequestVerifier', () => {
  it('requires the secrets and the nonce store; everything else is optional', () => {
    expectTypeOf(createRequestVerifier).parameters.toEqualTypeOf<
      [options: RequestVerifierOptions]
    >();
    expectTypeOf(createRequestVerifier).returns.toEqualTypeOf<RequestVerifier>();
    expectTypeOf<RequestVerifierOptions['getSecrets']>().toEqualTypeOf<GetSigningSecrets>();
    expectTypeOf<RequestVerifierOptions['nonceStore']>().toEqualTypeOf<NonceStore>();
    expectTypeOf<RequestVerifierOptions>()
      .toHaveProperty('maxAgeMs')
      .toEqualTypeOf<number | undefined>();
    expectTypeOf<RequestVerifierOptions['schemes']>().toEqualTypeOf<
      readonly SignatureScheme[] | undefined
    >();
    expectTypeOf<RequestVerifierOptions['rfc9421']>().toEqualTypeOf<
      { origin?: string; label?: string } | undefined
    >();
    createRequestVerifier({ getSecrets, nonceStore });
    // @ts-expect-error the nonce store is what makes a signature replay-proof: required
    createRequestVerifier({ getSecrets });
    // @ts-expect-error the secrets are required
    createRequestVerifier({ nonceStore });
    // @ts-expect-error two schemes only
    createRequestVerifier({ getSecrets, nonceStore, schemes: ['hmac'] });
  });

  it('verifies a SecurityRequest into who signed it, with no fast path in its type', () => {
    expectTypeOf<RequestVerifier['verify']>().toEqualTypeOf<
      (request: SecurityRequest) => Promise<VerifiedSignature>
    >();
    expectTypeOf<keyof RequestVerifier>().toEqualTypeOf<'verify' | 'nonceTtlMs'>();
    expectTypeOf<VerifiedSignature>().toEqualTypeOf<{
      scheme: SignatureScheme;
      keyId: string;
      nonce: string;
      signedAt: number;
    }>();
    expectTypeOf<SignatureScheme>().toEqualTypeOf<'rampart-v1' | 'rfc9421'>();
  });

  it('refuses with four codes, as literal types', () => {
    expectTypeOf<SignatureErrorCode>().toEqualTypeOf<
      | 'ERR_SIGNATURE_HEADERS'
      | 'ERR_SIGNATURE_INVALID'
      | 'ERR_TIMESTAMP_OUT_OF_RANGE'
      | 'ERR_NONCE_REPLAYED'
    >();
    expectTypeOf(SIGNATURE_ERROR_CODES.replayed).toEqualTypeOf<'ERR_NONCE_REPLAYED'>();
    // @ts-expect-error the codes are frozen
    SIGNATURE_ERROR_CODES.replayed = 'ERR_OTHER';
  });
});

describe('secrets', () => {
  it('are resolved by key id, synchronously or not, one or several during a rotation', () => {
    expectTypeOf<GetSigningSecrets>().toEqualTypeOf<
      (keyId: string) => SigningSecrets | Promise<SigningSecrets>
    >();
    expectTypeOf<SigningSecrets>().toEqualTypeOf<
      SigningSecret | readonly SigningSecret[] | null | undefined
    >();
    expectTypeOf<SigningSecret>().toEqualTypeOf<
      import('node:crypto').KeyObject | Uint8Array | string
    >();
    expectTypeOf(staticSigningSecrets).returns.toEqualTypeOf<GetSigningSecrets>();
    staticSigningSecrets({ a: ['new', 'old'] });
    // @ts-expect-error a secret is text, bytes or a KeyObject, not a number
    staticSigningSecrets({ a: 42 });
  });
});

describe('the Express adapter', () => {
  it('is a middleware made from a verifier or its options', () => {
    expectTypeOf(requestSigning).toEqualTypeOf<
      (options: RequestSigningExpressOptions) => RequestHandler
    >();
    const verifier = createRequestVerifier({ getSecrets, nonceStore });
    requestSigning({ verifier, forwardErrors: true });
    requestSigning({ getSecrets, nonceStore });
    // @ts-expect-error neither a verifier nor the options to make one
    requestSigning({ forwardErrors: true });
  });

  it('sets req.signedRequest, absent until the signature verified', () => {
    expectTypeOf<ExpressRequest['signedRequest']>().toEqualTypeOf<VerifiedSignature | undefined>();
  });
});

describe('the Fastify adapter', () => {
  const app = {} as FastifyInstance;

  it('is a plugin registered with a verifier or its options', async () => {
    expectTypeOf(fastifyRequestSigning).toEqualTypeOf<
      FastifyPluginAsync<FastifyRequestSigningOptions>
    >();
    await app.register(fastifyRequestSigning, { getSecrets, nonceStore, global: true });
    // @ts-expect-error the options to make a verifier are required
    await app.register(fastifyRequestSigning, { global: true });
    expectTypeOf(requestSigningPreHandler).returns.toEqualTypeOf<preHandlerHookHandler>();
  });

  it('reads route config by declaration merging and sets request.signedRequest', () => {
    expectTypeOf<FastifyContextConfig['requestSigning']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<FastifyRequest['signedRequest']>().toEqualTypeOf<VerifiedSignature | null>();
    app.post('/signed', { config: { requestSigning: true } }, async () => ({}));
    // @ts-expect-error config.requestSigning is a boolean
    app.post('/signed', { config: { requestSigning: 'yes' } }, async () => ({}));
  });
});

describe('the client', () => {
  it('signs with a key id and a secret; everything else is optional', () => {
    expectTypeOf(signRequest).toEqualTypeOf<
      (options: SignRequestOptions) => Promise<Record<string, string>>
    >();
    signRequest({ method: 'GET', url: 'https://api.example.com/', keyId: 'a', secret: 'x' });
    // @ts-expect-error the secret is required
    signRequest({ method: 'GET', url: 'https://api.example.com/', keyId: 'a' });
    expectTypeOf<SignRequestOptions['scheme']>().toEqualTypeOf<
      'rampart-v1' | 'rfc9421' | undefined
    >();
  });

  it("wraps the platform's fetch", () => {
    expectTypeOf(createSignedFetch).toEqualTypeOf<
      (fetchImpl: FetchLike, credentials: SigningCredentials) => FetchLike
    >();
    expectTypeOf(fetch).toExtend<FetchLike>();
    createSignedFetch(fetch, { keyId: 'a', secret: 'x', scheme: 'rfc9421' });
  });
});

describe('entry points', () => {
  it('keep internals off the root entry point', () => {
    // @ts-expect-error the adapters' verifier check is theirs
    void root.isRequestVerifier;
    // @ts-expect-error the header parsers are the verifier's
    void root.parseRampartV1;
    // @ts-expect-error the refusal class is built only by the verifier; users match on `code`
    void root.SignatureRejection;
    // @ts-expect-error the zod schema is the verifier's own
    void root.requestVerifierOptionsSchema;
    // @ts-expect-error the field patterns are the parsers' own
    void root.KEY_ID_PATTERN;
  });

  it('keep the server and the byte helpers out of the browser client', () => {
    // @ts-expect-error the client signs; it does not verify
    void client.createRequestVerifier;
    // @ts-expect-error node:crypto secrets are the server's
    void client.importSigningSecret;
    // @ts-expect-error the WebCrypto helpers are signRequest's own
    void client.hmacSha256;
    // @ts-expect-error the body conversion is signRequest's own
    void client.bodyBytes;
  });
});

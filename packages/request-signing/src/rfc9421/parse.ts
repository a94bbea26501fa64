import type { SecurityRequest } from '@rampart/core';
import { decodeBase64 } from '../shared/base64.js';
import { signatureHeadersError, signatureInvalidError } from '../shared/errors.js';
import {
  type AsciiPattern,
  KEY_ID_PATTERN,
  NONCE_PATTERN,
  TARGET_PATTERN,
} from '../shared/fields.js';
import { macEquals, type ParsedSignature } from '../shared/parsed-signature.js';
import {
  ComponentError,
  type ComponentSource,
  HMAC_SHA256,
  signatureBase,
} from '../shared/signature-base.js';
import { signatureHeader } from '../shared/signature-header.js';
import { type BareItem, type InnerList, parseDictionary } from '../shared/structured-fields.js';
import { contentDigestMatches } from './content-digest.js';

/** How strictly the covered components and parameters are checked. */
export interface Rfc9421ParseOptions {
  /** `https://api.example.com`, for `@target-uri`, `@scheme`, `@authority`. */
  origin?: string;
  /** The signature label to verify; default: the only one sent. */
  label?: string;
  /**
   * `replay-proof` (the verifier's): `@method`, `@target-uri` or `@path` + `@query`, and
   * `content-digest` when there is a body must be covered; `created`, `keyid` and `nonce` must be
   * sent. `signature-only`: only `keyid` is required (to check published test vectors).
   */
  policy: 'replay-proof' | 'signature-only';
}

const ALLOWED_PARAMS = new Set(['created', 'expires', 'nonce', 'keyid', 'alg', 'tag']);

function bad(detail: string): never {
  throw signatureHeadersError(`${detail} See RFC 9421 and the @rampart/request-signing README.`);
}

function dictionary(text: string, name: string) {
  try {
    return parseDictionary(text);
  } catch {
    bad(`The ${name} header is not a valid structured-field dictionary.`);
  }
}

function param(params: InnerList['params'], key: string): BareItem | undefined {
  return params.find(([k]) => k === key)?.[1];
}

function stringParam(list: InnerList, key: string, pattern: AsciiPattern): string | undefined {
  const value = param(list.params, key);
  if (value === undefined) return undefined;
  if (value.type !== 'string' || !pattern.test(value.value))
    bad(`The ${key} parameter is malformed.`);
  return value.value;
}

function integerParam(list: InnerList, key: string): number | undefined {
  const value = param(list.params, key);
  if (value === undefined) return undefined;
  if (value.type !== 'integer' || value.value < 0) bad(`The ${key} parameter is malformed.`);
  return value.value;
}

function checkCoverage(covered: ReadonlySet<string>, request: SecurityRequest): void {
  if (!covered.has('@method')) bad('The signature must cover @method.');
  if (!covered.has('@target-uri') && !(covered.has('@path') && covered.has('@query'))) {
    bad('The signature must cover @target-uri, or @path and @query.');
  }
  const hasBody = request.rawBody !== undefined && request.rawBody.length > 0;
  if (hasBody && !covered.has('content-digest')) {
    bad('A request with a body must cover content-digest (RFC 9530).');
  }
}

/**
 * Reads an RFC 9421 signature (`Signature-Input` and `Signature`, algorithm `hmac-sha256`) and
 * checks its form under `options.policy`. Throws a 401 `ERR_SIGNATURE_HEADERS` for anything
 * malformed, repeated, unsupported or not covered.
 */
export function parseRfc9421(
  request: SecurityRequest,
  options: Rfc9421ParseOptions,
): ParsedSignature {
  const inputText = signatureHeader(request.headers, 'signature-input', 2048);
  const signatureText = signatureHeader(request.headers, 'signature', 1024);
  if (inputText === undefined || signatureText === undefined) {
    bad('Send both Signature-Input and Signature.');
  }
  const inputs = dictionary(inputText, 'signature-input');
  const signatures = dictionary(signatureText, 'signature');
  let label = options.label;
  if (label === undefined) {
    if (inputs.length !== 1) bad('Send exactly one signature.');
    label = (inputs[0] as (typeof inputs)[number])[0];
  }
  const list = inputs.find(([k]) => k === label)?.[1];
  const signatureItem = signatures.find(([k]) => k === label)?.[1];
  if (list?.kind !== 'inner-list' || signatureItem?.kind !== 'item') {
    bad(`Signature-Input and Signature must both carry the label ${label}.`);
  }
  if (signatureItem.item.type !== 'bytes' || signatureItem.params.length > 0) {
    bad('The Signature value must be a byte sequence.');
  }
  const received = decodeBase64(signatureItem.item.value, 'base64');
  if (received === undefined || received.length !== 32) {
    bad('The signature must be the 32-byte HMAC-SHA256 in base64.');
  }
  for (const [key] of list.params) {
    if (!ALLOWED_PARAMS.has(key)) bad(`The signature parameter ${key} is not supported.`);
  }
  const alg = param(list.params, 'alg');
  if (alg !== undefined && !(alg.type === 'string' && alg.value === HMAC_SHA256)) {
    bad('Only alg="hmac-sha256" is accepted.');
  }
  const keyId = stringParam(list, 'keyid', KEY_ID_PATTERN);
  const nonce = stringParam(list, 'nonce', NONCE_PATTERN);
  const created = integerParam(list, 'created');
  const expires = integerParam(list, 'expires');
  if (keyId === undefined) bad('The keyid parameter is required.');
  const covered = new Set(
    list.items.map((item) => (item.item.type === 'string' ? item.item.value : '')),
  );
  if (options.policy === 'replay-proof') {
    if (created === undefined || nonce === undefined) bad('created and nonce are required.');
    checkCoverage(covered, request);
  }

  const source: ComponentSource = {
    method: request.method,
    target: request.url,
    header(name) {
      const value = request.headers[name];
      return value === undefined ? [] : typeof value === 'string' ? [value] : value;
    },
  };
  if (options.origin !== undefined) source.origin = options.origin;
  let base: string | undefined;
  const parsed: ParsedSignature = {
    scheme: 'rfc9421',
    keyId,
    signedAtMs: (created ?? 0) * 1000,
    nonce: nonce ?? '',
    matches(key) {
      if (base === undefined) {
        if (!TARGET_PATTERN.test(request.url)) {
          throw signatureInvalidError('target outside the signable form', keyId);
        }
        try {
          base = signatureBase(list, source);
        } catch (error) {
          if (error instanceof ComponentError || error instanceof TypeError) bad(error.message);
          throw error;
        }
      }
      return macEquals(key.sign(base), received);
    },
    bodyMatches() {
      if (!covered.has('content-digest')) return true;
      const field = signatureHeader(request.headers, 'content-digest', 1024);
      return (
        field !== undefined && contentDigestMatches(field, request.rawBody ?? new Uint8Array(0))
      );
    },
  };
  if (expires !== undefined) parsed.expiresAtMs = expires * 1000;
  return parsed;
}

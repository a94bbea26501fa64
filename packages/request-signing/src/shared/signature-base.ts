/**
 * The RFC 9421 signature base (§2.5), built the same way by the verifier and the browser client.
 * Imports nothing from Node.
 */
import { type InnerList, serializeInnerList } from './structured-fields.js';

/** The algorithm name of RFC 9421 §3.3.3, the only one accepted. */
export const HMAC_SHA256 = 'hmac-sha256';

/** What a signature's covered components are read from. */
export interface ComponentSource {
  /** Upper-case method. */
  method: string;
  /** Path and query exactly as on the request line. */
  target: string;
  /** `https://api.example.com`: needed only for `@target-uri`, `@scheme` and `@authority`. */
  origin?: string;
  /** Every value of a header (lower-case name) in the order received; `[]` when absent. */
  header(name: string): readonly string[];
}

/** Thrown when a covered component cannot be derived; callers turn it into a coded error. */
export class ComponentError extends Error {
  override readonly name = 'ComponentError';
}

const FIELD_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q === -1
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}

function originOf(source: ComponentSource, name: string): URL {
  if (source.origin === undefined) {
    throw new ComponentError(`${name} needs a configured origin; sign @path and @query instead`);
  }
  return new URL(source.origin);
}

/**
 * The value of one covered component (RFC 9421 §2.1, §2.2): the derived components `@method`,
 * `@target-uri`, `@authority`, `@scheme`, `@path`, `@query`, or an HTTP field's values, each
 * trimmed, joined with `, `. Component parameters (`;sf`, `;key`, `;req` …) are not supported.
 */
export function componentValue(name: string, source: ComponentSource): string {
  switch (name) {
    case '@method':
      return source.method;
    case '@path': {
      const { path } = splitTarget(source.target);
      return path === '' ? '/' : path;
    }
    case '@query':
      return `?${splitTarget(source.target).query}`;
    case '@target-uri': {
      const origin = originOf(source, name);
      return `${origin.protocol}//${origin.host}${source.target}`;
    }
    case '@authority':
      if (source.origin !== undefined) return originOf(source, name).host;
      break;
    case '@scheme':
      return originOf(source, name).protocol.slice(0, -1);
    default:
      if (name.startsWith('@')) throw new ComponentError(`unsupported component ${name}`);
  }
  const fieldName = name === '@authority' ? 'host' : name;
  if (!FIELD_NAME.test(fieldName) || fieldName === 'signature' || fieldName === 'signature-input') {
    throw new ComponentError(`component ${name} cannot be signed`);
  }
  const values = source.header(fieldName);
  if (values.length === 0) throw new ComponentError(`covered field ${name} is absent`);
  const joined = values.map((v) => v.trim()).join(', ');
  return name === '@authority' ? joined.toLowerCase() : joined;
}

/**
 * The signature base of a signature whose parameters are `signatureParams` (an inner list of
 * component names, with `created`, `keyid` … as parameters): one line per covered component,
 * then the `@signature-params` line, joined with `\n`. Throws `ComponentError` for a repeated,
 * unsupported or absent component.
 *
 * @example
 * signatureBase(params, { method: 'POST', target: '/foo?a=1', header: () => [] });
 */
export function signatureBase(signatureParams: InnerList, source: ComponentSource): string {
  const seen = new Set<string>();
  let base = '';
  for (const component of signatureParams.items) {
    if (component.item.type !== 'string' || component.params.length > 0) {
      throw new ComponentError('components must be plain strings without parameters');
    }
    const name = component.item.value;
    if (seen.has(name) || name === '@signature-params') {
      throw new ComponentError(`component ${name} cannot be covered`);
    }
    seen.add(name);
    base += `"${name}": ${componentValue(name, source)}\n`;
  }
  return `${base}"@signature-params": ${serializeInnerList(signatureParams)}`;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { HeaderField } from './cors.js';

/** What helmet does to a response for a set of options: headers set, headers removed. */
export interface RenderedHeaders {
  readonly set: readonly HeaderField[];
  readonly removed: readonly string[];
}

/**
 * Runs helmet once, at start-up, against a response that only records what is done to it. Helmet
 * validates the options (a CSP keyword left unquoted, an HSTS `maxage` typo, a bad
 * `Referrer-Policy` token all throw here) and writes the header values; the adapters then apply
 * this list to each response. Helmet's own middleware recomputes nothing per request either, but
 * it walks a chain of a dozen middleware functions on every one; a list costs one loop.
 */
export function renderHelmet(options: HelmetOptions): RenderedHeaders {
  const set: HeaderField[] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      set.push([name, String(value)]);
    },
    removeHeader(name: string): void {
      removed.push(name);
    },
  };
  let failure: unknown;
  // Helmet's middleware is synchronous: `next` has been called when it returns.
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure !== undefined) throw failure;
  return { set, removed };
}

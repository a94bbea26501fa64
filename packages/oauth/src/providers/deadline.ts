import { z } from 'zod';

/**
 * How long a provider's endpoint may take (discovery, the code exchange, a profile request)
 * before the sign-in gives up with a refused callback, or start-up with a config error. A
 * provider that hangs must not hold a request, or the app's start, for as long as it likes.
 */
export const timeoutMsSchema = z.number().int().min(100).max(120_000).default(10_000);

/** `work`, or a rejection once `ms` have passed; the timer never keeps the process alive. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

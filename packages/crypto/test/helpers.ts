import { isRampartError } from '@rampart/core';

/**
 * The `code` of the error `fn` throws: a RampartError's code, `TypeError`/`Error` for anything
 * else, `'none'` when it does not throw. So a test can assert that nothing but a documented
 * error ever comes out.
 */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (error) {
    if (isRampartError(error)) return error.code;
    return error instanceof Error ? error.constructor.name : typeof error;
  }
}

import { validationError } from '@rampart/core';
import type { z } from 'zod';

/** Longest validation detail sent back: enough to name the field, never a dump of the input. */
const MAX_DETAIL = 300;

/**
 * `value` checked against `schema`, or a 400 `ERR_VALIDATION` problem naming the first field that
 * is wrong. Every body and path parameter goes through here, so a wrong type, a missing field or an
 * unknown one is a 400, never a 500 further in.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what = 'body',
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path =
    issue === undefined || issue.path.length === 0 ? what : `${what}.${issue.path.join('.')}`;
  const detail = `${path}: ${issue?.message ?? 'invalid'}`;
  throw validationError(
    detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail,
  );
}

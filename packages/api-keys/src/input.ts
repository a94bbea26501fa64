import { isPermissionPattern, validationError } from '@rampart/core';
import { z } from 'zod';
import { MAX_KEY_NAME_LENGTH, MAX_OWNER_ID_LENGTH, MAX_SCOPES } from './store.js';

/** Printable text without control characters: names end up in lists, logs and UIs. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;

export const ownerIdSchema = z.string().min(1).max(MAX_OWNER_ID_LENGTH);

export const scopesSchema = z
  .array(
    z.string().refine(isPermissionPattern, {
      message: "must be 'resource:action', 'resource:*' or '*'",
    }),
  )
  .min(1)
  .max(MAX_SCOPES)
  .transform((scopes) => Object.freeze([...new Set(scopes)]));

export const rateLimitSchema = z.strictObject({
  limit: z.number().int().min(1).max(1e9),
  windowMs: z
    .number()
    .int()
    .min(1000)
    .max(366 * 86_400_000)
    .refine((value) => value % 1000 === 0, 'must be a whole number of seconds'),
});

export const metadataSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    z.union([z.string().max(512), z.number().refine(Number.isFinite), z.boolean()]),
  )
  .refine((metadata) => Object.keys(metadata).length <= 32, 'must hold at most 32 entries');

export const createInputSchema = z.strictObject({
  ownerId: ownerIdSchema,
  name: z.string().min(1).max(MAX_KEY_NAME_LENGTH).regex(PRINTABLE, 'must be printable text'),
  scopes: scopesSchema,
  expiresAt: z.number().int().min(0).max(8.64e15).optional(),
  environment: z.string().optional(),
  metadata: metadataSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
  signingSecret: z.boolean().optional(),
});

export const refSchema = z.strictObject({ id: z.string(), ownerId: ownerIdSchema });

/**
 * Parses a caller's input (which may come straight from a request body) or throws 400
 * `ERR_VALIDATION` naming the first field at fault.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const path = issue.path.length > 0 ? `${what}.${issue.path.join('.')}` : what;
  throw validationError(`${path}: ${issue.message}`);
}

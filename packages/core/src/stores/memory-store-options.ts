import { z } from 'zod';
import { clockSchema } from '../config.js';

/**
 * The options every Rampart memory store takes, as a zod shape to spread into the store's own
 * schema: `maxEntries` (a whole number from 1, default per store), `clock` and `sweepIntervalMs`
 * (the unref'd sweep timer's period, `0` for none; default 60 000).
 *
 * @example
 * const optionsSchema = z.strictObject(memoryStoreOptionsShape({ maxEntries: 1_000_000 }));
 */
export function memoryStoreOptionsShape(defaults: { maxEntries: number }) {
  return {
    maxEntries: z.number().int().min(1).default(defaults.maxEntries),
    clock: clockSchema.optional(),
    sweepIntervalMs: z.number().int().min(0).default(60_000),
  };
}

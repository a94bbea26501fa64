import { type CounterState, stateTtlMs } from '../algorithms/evaluate.js';
import type { ResolvedPolicy } from '../policy.js';

// The memory store's rows: one entry per client and scope, a slot per policy inside it.

/** One policy's counter inside an entry. */
export interface Slot extends CounterState {
  readonly name: string;
  /** Epoch ms after which the counter no longer matters. */
  expiresAt: number;
}

/** Every counter of one client on one scope. */
export interface Entry {
  /** The store holding it: the limiter's key remembers its entry (see `STORE_RECORD`). */
  readonly owner: object;
  slots: Slot[];
  /**
   * The latest `expiresAt` of its slots: the entry may be dropped after it. `-Infinity` once
   * removed, so a key still remembering it looks it up again.
   */
  expiresAt: number;
}

/** The entry's counter of a policy, unless it has expired. */
export function liveSlot(entry: Entry, name: string, now: number): Slot | undefined {
  const slots = entry.slots;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    if (slot.name === name) return slot.expiresAt > now ? slot : undefined;
  }
  return undefined;
}

/** Writes `next` into the policy's slot of `target` (a new slot when it had none live). */
export function storeSlot(
  target: Entry,
  policy: ResolvedPolicy,
  existing: Slot | undefined,
  next: CounterState,
  now: number,
): void {
  let slot = existing;
  if (slot === undefined) {
    slot = { name: policy.name, a: 0, b: 0, c: 0, blockedUntil: 0, expiresAt: 0 };
    replaceSlot(target, slot);
  }
  slot.a = next.a;
  slot.b = next.b;
  slot.c = next.c;
  slot.blockedUntil = next.blockedUntil;
  slot.expiresAt = now + stateTtlMs(policy, slot, now);
  if (slot.expiresAt > target.expiresAt) target.expiresAt = slot.expiresAt;
}

export function replaceSlot(entry: Entry, slot: Slot): void {
  const index = entry.slots.findIndex((existing) => existing.name === slot.name);
  if (index === -1) entry.slots.push(slot);
  else entry.slots[index] = slot;
}

import type { SecurityEvent } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { type Argon2Backend, createPasswordHasherOn } from '../src/hasher.js';
import { type Deferred, deferred, settle } from './deferred.js';

/** An argon2 backend whose every hash waits until the test settles it. */
function heldBackend(): { backend: Argon2Backend; work: Array<Deferred<string>> } {
  const work: Array<Deferred<string>> = [];
  const backend: Argon2Backend = {
    hash() {
      const next = deferred<string>();
      work.push(next);
      return next.promise;
    },
    verify: async () => false,
  };
  return { backend, work };
}

const PASSWORD = 'correct horse battery staple, refused';
const STORED = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g';

describe('a refusal at capacity is a security event', () => {
  it('emits one CAPACITY_EXCEEDED warning per refused hash or verify, with nothing secret in it', async () => {
    const events: SecurityEvent[] = [];
    const { backend, work } = heldBackend();
    // The construction's dummy hash holds the one slot; nothing may wait.
    const passwords = createPasswordHasherOn(backend, {
      concurrency: 1,
      maxQueued: 0,
      onEvent: (event) => events.push(event),
    });
    const refused = [
      passwords.verify(STORED, PASSWORD),
      passwords.hash(PASSWORD),
      passwords.verify(STORED, PASSWORD),
    ];
    for (const call of refused) await expect(call).rejects.toMatchObject({ code: 'ERR_BUSY' });

    expect(events).toHaveLength(3);
    expect(events.map((event) => event.detail?.operation)).toEqual(['verify', 'hash', 'verify']);
    expect(events[0]).toMatchObject({
      type: 'CAPACITY_EXCEEDED',
      severity: 'warning',
      source: '@rampart/passwords',
      code: 'ERR_BUSY',
      detail: { resource: 'password-hasher', concurrency: 1, maxQueued: 0 },
    });
    expect(typeof events[0]?.at).toBe('number');
    const text = JSON.stringify(events);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(STORED);
    work[0]?.resolve('$argon2id$v=19$m=19456,t=2,p=1$dummy');
    await settle();
  });

  it('emits nothing for calls that get a slot or a place in the queue', async () => {
    const events: SecurityEvent[] = [];
    const { backend, work } = heldBackend();
    const passwords = createPasswordHasherOn(backend, {
      concurrency: 1,
      maxQueued: 1,
      onEvent: (event) => events.push(event),
    });
    const queued = passwords.hash(PASSWORD);
    work[0]?.resolve('$argon2id$v=19$m=19456,t=2,p=1$dummy');
    await settle();
    work[1]?.resolve('$argon2id$v=19$m=19456,t=2,p=1$hashed');
    expect(await queued).toContain('hashed');
    expect(events).toEqual([]);
  });

  it('a throwing hook changes nothing: the caller still gets ERR_BUSY', async () => {
    const { backend, work } = heldBackend();
    const passwords = createPasswordHasherOn(backend, {
      concurrency: 1,
      maxQueued: 0,
      onEvent: () => {
        throw new Error('hook failed');
      },
    });
    await expect(passwords.hash(PASSWORD)).rejects.toMatchObject({ code: 'ERR_BUSY' });
    work[0]?.resolve('$argon2id$v=19$m=19456,t=2,p=1$dummy');
    await settle();
  });
});

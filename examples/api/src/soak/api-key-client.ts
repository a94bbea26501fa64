import { randomUUID } from 'node:crypto';
import type { SigningIdentity, SoakAnswer } from './soak-client.js';
import { type Pace, type SoakUser, signedInUser, type Traffic } from './soak-user.js';

const KEYS = '/api/v1/api-keys';
/** Three requests to `/api/v1/entities/*` a cycle: 12 cycles spend 36 of the 100 a minute. */
const CYCLES_PER_USER = 12;
/** The key is rotated every this many cycles, the old one kept for {@link GRACE_SECONDS}. */
const ROTATE_EVERY = 4;
const GRACE_SECONDS = 2;
/** Margin past `previousKeyValidUntil` before the old key is tried: the clocks are one. */
const PAST_GRACE_MS = 1000;

/** A key as the client holds it: the secret sent as X-API-Key and its signing identity. */
interface HeldKey {
  readonly id: string;
  readonly key: string;
  readonly signing: SigningIdentity;
}

/** The key with its last character changed: the checksum refuses it before any store lookup. */
export function typo(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
}

function held(answer: SoakAnswer, id = String(answer.body.id)): HeldKey {
  return {
    id,
    key: String(answer.body.key),
    signing: { keyId: id, secret: String(answer.body.signingSecret) },
  };
}

/**
 * Creates a key with an Idempotency-Key and retries the creation, which must answer the same key
 * (sealed in the store) and create no second one.
 */
async function createKey(user: SoakUser): Promise<HeldKey | undefined> {
  const { tally } = user.traffic;
  const body = {
    name: 'soak',
    scopes: ['entities:read', 'entities:write', 'profile:read'],
    rateLimitPerHour: 100_000,
  };
  const request = {
    body,
    token: user.accessToken,
    headers: { 'idempotency-key': `"${randomUUID()}"` },
  };
  const first = tally.legitimate('api-key-create', await user.send('POST', KEYS, request));
  if (first.status !== 201) return undefined;
  tally.replay('api-key-create-retry', await user.send('POST', KEYS, request), first);
  return held(first);
}

/**
 * A client of the API with an API key: its user creates a key, calls with X-API-Key (reads,
 * /me, records signed with the key's own signing secret), lists its keys, rotates the key with a
 * short grace, and revokes it at the end of the user's life; a new user arrives. What a thief of
 * those keys would try is tried too, and must be refused: a typo'd key, a rotated key past its
 * grace, a revoked key.
 */
export async function apiKeyClient(traffic: Traffic, pace: Pace, index: number): Promise<void> {
  const { client, tally, running } = traffic;
  const path = `/api/v1/entities/soak-key-${index}/records`;
  while (running()) {
    const user = await signedInUser(traffic, pace);
    if (user === undefined) continue;
    let current = await createKey(user);
    if (current === undefined) {
      await user.logout();
      continue;
    }
    let retired: { key: string; validUntil: number } | undefined;
    for (let cycle = 0; cycle < CYCLES_PER_USER && running(); cycle++) {
      const withKey = (key: string) => ({ 'x-api-key': key });
      tally.legitimate(
        'api-key-read',
        await user.send('GET', path, { headers: withKey(current.key) }),
      );
      tally.legitimate(
        'api-key-me',
        await user.send('GET', '/api/v1/me', { headers: withKey(current.key) }),
      );
      const raw = JSON.stringify({ data: { cycle, by: 'api-key' } });
      const signature = await client.signatureFor(path, raw, current.signing);
      tally.legitimate(
        'api-key-signed-write',
        await user.send('POST', path, { raw, headers: { ...withKey(current.key), ...signature } }),
      );
      tally.legitimate(
        'api-key-read',
        await user.send('GET', path, { headers: withKey(current.key) }),
      );
      tally.attack(
        'api-key-typo',
        await user.send('GET', path, { headers: withKey(typo(current.key)) }),
      );
      if (retired !== undefined && Date.now() > retired.validUntil + PAST_GRACE_MS) {
        tally.attack(
          'api-key-rotated-out',
          await user.send('GET', path, { headers: withKey(retired.key) }),
        );
        retired = undefined;
      }
      if (cycle % ROTATE_EVERY === ROTATE_EVERY - 1) {
        const rotated = tally.legitimate(
          'api-key-rotate',
          await user.send('POST', `${KEYS}/${current.id}/rotate`, {
            body: { graceSeconds: GRACE_SECONDS },
            token: user.accessToken,
          }),
        );
        if (rotated.status === 200) {
          retired = {
            key: current.key,
            validUntil: Date.parse(String(rotated.body.previousKeyValidUntil)),
          };
          current = held(rotated, current.id);
        }
      }
    }
    if (retired !== undefined) {
      // The last rotation's old key, once its grace is over: fast cycles can end before it is.
      const wait = retired.validUntil + PAST_GRACE_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (running()) {
        tally.attack(
          'api-key-rotated-out',
          await user.send('GET', path, { headers: { 'x-api-key': retired.key } }),
        );
      }
    }
    tally.legitimate('api-key-list', await user.send('GET', KEYS, { token: user.accessToken }));
    tally.legitimate(
      'api-key-revoke',
      await user.send('DELETE', `${KEYS}/${current.id}`, { token: user.accessToken }),
    );
    tally.attack(
      'api-key-revoked',
      await user.send('GET', path, { headers: { 'x-api-key': current.key } }),
    );
    await user.logout();
  }
}

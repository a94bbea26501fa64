import { randomUUID } from 'node:crypto';
import { type Pace, type SoakUser, signedInUser, type Traffic } from './soak-user.js';

/**
 * Cycles in one user's life. A cycle sends six requests to `/api/v1/entities/*`, which allows 100
 * a minute per principal: 14 cycles spend 84, so however fast the pace no user reaches the limit.
 */
const CYCLES_PER_USER = 14;

/**
 * A POST of a signed record with an Idempotency-Key, its retry (signed afresh, as a real retry
 * is) which must be answered as a replay, and the same key with another body, which must be
 * refused (422; 409 while the first is in flight).
 */
async function idempotentWrite(user: SoakUser, path: string, round: number): Promise<void> {
  const { client, tally } = user.traffic;
  const key = `"${randomUUID()}"`;
  const raw = JSON.stringify({ data: { round, idempotent: true } });
  const send = async (body: string) =>
    user.send('POST', path, {
      raw: body,
      token: user.accessToken,
      headers: { 'idempotency-key': key, ...(await client.signatureFor(path, body)) },
    });
  const first = tally.legitimate('idempotent-write', await send(raw));
  if (first.status !== 201) return;
  tally.replay('idempotent-retry', await send(raw), first);
  const other = JSON.stringify({ data: { round, idempotent: false } });
  tally.attack('idempotency-reuse', await send(other));
}

/**
 * A client of the API with bearer tokens: it reads, writes signed records (some with an
 * Idempotency-Key and a retry), reads /me and refreshes its tokens, then logs out and a new user
 * arrives, so security state (refresh families, nonces, idempotency records) keeps being created
 * and must keep expiring.
 */
export async function tokenClient(traffic: Traffic, pace: Pace, index: number): Promise<void> {
  const { client, tally, running } = traffic;
  const path = `/api/v1/entities/soak-${index}/records`;
  while (running()) {
    const user = await signedInUser(traffic, pace);
    if (user === undefined) continue;
    for (let cycle = 0; cycle < CYCLES_PER_USER && running(); cycle++) {
      const read = () => user.send('GET', path, { token: user.accessToken });
      tally.legitimate('read', await read());
      tally.legitimate('me', await user.send('GET', '/api/v1/me', { token: user.accessToken }));
      const raw = JSON.stringify({ data: { cycle } });
      const headers = await client.signatureFor(path, raw);
      tally.legitimate(
        'signed-write',
        await user.send('POST', path, { raw, headers, token: user.accessToken }),
      );
      await user.refresh();
      tally.legitimate('read', await read());
      await idempotentWrite(user, path, cycle);
      await user.refresh();
    }
    await user.logout();
  }
}

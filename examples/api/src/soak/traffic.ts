import { apiKeyClient } from './api-key-client.js';
import { attacker } from './attacker.js';
import { sessionClient } from './session-client.js';
import type { SoakClient } from './soak-client.js';
import { Pace, type Traffic } from './soak-user.js';
import { Tally, type TrafficTally } from './tally.js';
import { tokenClient } from './token-client.js';

export type { TrafficTally } from './tally.js';

export interface TrafficOptions {
  /** Legitimate clients, a third each on bearer tokens, API keys and session cookies. */
  readonly users: number;
  /**
   * Requests per second all clients together aim at. Each client keeps its share of the pace
   * and waits for its answer before sending again, so the app never has more requests in flight
   * than there are clients: a steady load a healthy app answers, not a flood that measures how
   * it queues (a slower app lowers the rate instead of growing a backlog).
   */
  readonly ratePerSecond: number;
  readonly running: () => boolean;
  /** The clients' first requests are spread over this long (their registrations hash passwords). */
  readonly rampMs: number;
}

/** Attackers beside `users` legitimate clients: a quarter as many, at least one. */
export function attackersFor(users: number): number {
  return Math.max(1, Math.floor(users / 4));
}

/**
 * Mixed traffic against the example app until `running()` is false: legitimate clients on bearer
 * tokens (signed and idempotent writes, refreshes), on API keys (created, rotated, revoked) and on
 * session cookies, each user making way for a new one after a while so security state keeps being
 * created and must keep expiring; beside them attackers, and thieves of the clients' own spent
 * credentials. Every attack must be refused; every answer must be below 500.
 */
export async function runTraffic(
  client: SoakClient,
  options: TrafficOptions,
): Promise<TrafficTally> {
  const attackers = attackersFor(options.users);
  const traffic: Traffic = { client, tally: new Tally(), running: options.running };
  const clients = options.users + attackers;
  const startedAt = Date.now();
  const pace = (index: number) =>
    new Pace(
      (clients / options.ratePerSecond) * 1000,
      startedAt + (index * options.rampMs) / clients,
    );
  const kinds = [tokenClient, apiKeyClient, sessionClient];
  await Promise.all([
    ...Array.from({ length: options.users }, (_, index) =>
      (kinds[index % kinds.length] as (typeof kinds)[number])(traffic, pace(index), index),
    ),
    ...Array.from({ length: attackers }, (_, index) =>
      attacker(traffic, pace(options.users + index)),
    ),
  ]);
  return traffic.tally.totals;
}

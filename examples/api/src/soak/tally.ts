import type { SoakAnswer } from './soak-client.js';

/** What the traffic did, by kind of request. */
export interface TrafficTally {
  /** Requests sent, legitimate and attacks. */
  requests: number;
  /** Answers with a 5xx status: the bar is zero. */
  serverErrors: number;
  /** Requests that got no answer at all (reset, refused, none within 15 s): the bar is zero. */
  noAnswers: number;
  /** Attacks the app accepted (a 2xx to a replay, a forged token, a revoked key …): zero. */
  acceptedAttacks: number;
  /** Retries with a used Idempotency-Key and the same body not answered as a replay: zero. */
  brokenReplays: number;
  /** Legitimate requests answered 4xx (a 429 of a limit the traffic should stay within …). */
  refusedLegitimate: number;
  /**
   * Count per `<kind> <status>`, and the problem's `code` after it when there is one, e.g.
   * `login 200`, `attack:replay 401 ERR_NONCE_REPLAYED`.
   */
  byKind: Record<string, number>;
}

/** Counts every answer of the traffic into one {@link TrafficTally}. */
export class Tally {
  readonly totals: TrafficTally = {
    requests: 0,
    serverErrors: 0,
    noAnswers: 0,
    acceptedAttacks: 0,
    brokenReplays: 0,
    refusedLegitimate: 0,
    byKind: {},
  };

  /** A legitimate request's answer: a 4xx is counted as refused. */
  legitimate(kind: string, answer: SoakAnswer): SoakAnswer {
    this.#record(kind, answer);
    if (answer.status >= 400 && answer.status < 500) this.totals.refusedLegitimate++;
    return answer;
  }

  /** An attack's answer: any 2xx is an accepted attack. */
  attack(kind: string, answer: SoakAnswer): SoakAnswer {
    this.#record(`attack:${kind}`, answer);
    if (answer.status >= 200 && answer.status < 300) this.totals.acceptedAttacks++;
    return answer;
  }

  /**
   * A retry with a used Idempotency-Key and the same body: it must answer the first response
   * again (its status and record id) marked `Idempotency-Replayed: true`.
   */
  replay(kind: string, answer: SoakAnswer, first: SoakAnswer): SoakAnswer {
    const replayed =
      answer.status === first.status &&
      answer.headers.get('idempotency-replayed') === 'true' &&
      answer.body.id === first.body.id;
    // A 5xx or no answer is counted as such; only an answer that is no replay breaks the promise.
    const broken = !replayed && answer.status > 0 && answer.status < 500;
    this.#record(broken ? `${kind}:not-replayed` : kind, answer);
    if (broken) this.totals.brokenReplays++;
    return answer;
  }

  #record(kind: string, answer: SoakAnswer): void {
    const totals = this.totals;
    totals.requests++;
    const code = typeof answer.body.code === 'string' ? ` ${answer.body.code}` : '';
    const key = `${kind} ${answer.status}${answer.status >= 400 ? code : ''}`;
    totals.byKind[key] = (totals.byKind[key] ?? 0) + 1;
    if (answer.status >= 500) totals.serverErrors++;
    if (answer.status === 0) totals.noAnswers++;
  }
}

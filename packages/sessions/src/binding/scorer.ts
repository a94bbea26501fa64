import { z } from 'zod';
import { decodeFingerprint } from './fingerprint.js';

/**
 * What changed between the fingerprint a session was issued with and the one presented now:
 * - `family`: another product (Chrome → Firefox, a browser → curl);
 * - `version-bump` / `version-downgrade`: the same product, a higher / lower major version;
 * - `platform`: another operating system; `client-hints`: another `Sec-CH-UA` brand list;
 * - `language`, `encoding`: another first `Accept-Language` tag, other `Accept-Encoding` codings;
 * - `network`: an address in another /24 (IPv4) or /48 (IPv6); `ip`: another address in the same one.
 */
export type BindingChange =
  | 'family'
  | 'version-bump'
  | 'version-downgrade'
  | 'platform'
  | 'client-hints'
  | 'language'
  | 'encoding'
  | 'network'
  | 'ip';

/** The weight of each change; a session's score is the sum over what changed. */
export type BindingWeights = Readonly<Record<BindingChange, number>>;

/**
 * The default weights: a product-family change alone reaches `hijackAt` (100); a version bump
 * and a move within the network weigh nothing (browsers update, DHCP leases renew); anything
 * else reaches `suspiciousAt` (1) and is reported, not refused: a Wi-Fi-to-4G switch or a
 * language setting must not log anyone out.
 */
export const DEFAULT_BINDING_WEIGHTS: BindingWeights = Object.freeze({
  family: 100,
  'version-bump': 0,
  'version-downgrade': 3,
  platform: 10,
  'client-hints': 10,
  language: 3,
  encoding: 2,
  network: 5,
  ip: 0,
});

/** How the scorer turns a score into an outcome. */
export interface BindingPolicy {
  readonly weights: BindingWeights;
  /** A score from here up is reported (`SESSION_SUSPICIOUS`) and accepted. Default 1. */
  readonly suspiciousAt: number;
  /** A score from here up revokes the session (`SESSION_HIJACK_ATTEMPT`, 401). Default 100. */
  readonly hijackAt: number;
}

/**
 * `same`: nothing changed. `drift`: accepted and recorded (a version bump, a move in the
 * network). `suspicious`: accepted, recorded and reported. `hijack`: refused, the session revoked.
 */
export type BindingOutcome = 'same' | 'drift' | 'suspicious' | 'hijack';

/** What the scorer decided, and why. */
export interface BindingVerdict {
  readonly outcome: BindingOutcome;
  readonly score: number;
  readonly changes: readonly BindingChange[];
}

const weightSchema = z.number().min(0).max(1_000_000);

/** The `binding` option: `false` turns binding off; an object overrides defaults. */
export const bindingOptionSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      weights: z
        .strictObject(
          Object.fromEntries(
            Object.keys(DEFAULT_BINDING_WEIGHTS).map((change) => [change, weightSchema.optional()]),
          ) as Record<BindingChange, z.ZodOptional<typeof weightSchema>>,
        )
        .optional(),
      suspiciousAt: z.number().min(0).max(1_000_000).default(1),
      hijackAt: z.number().min(0).max(1_000_000).default(100),
    })
    .refine((policy) => policy.suspiciousAt <= policy.hijackAt, {
      error: 'suspiciousAt must not be above hijackAt.',
    }),
]);

/** Options of the scorer as the user writes them. */
export interface BindingOptions {
  weights?: Partial<Record<BindingChange, number>>;
  suspiciousAt?: number;
  hijackAt?: number;
}

/** The policy from parsed options. */
export function bindingPolicy(
  options: z.output<typeof bindingOptionSchema>,
): BindingPolicy | undefined {
  if (options === false) return undefined;
  const weights = { ...DEFAULT_BINDING_WEIGHTS };
  for (const [change, weight] of Object.entries(options.weights ?? {})) {
    if (weight !== undefined) weights[change as BindingChange] = weight;
  }
  return Object.freeze({
    weights: Object.freeze(weights),
    suspiciousAt: options.suspiciousAt,
    hijackAt: options.hijackAt,
  });
}

/**
 * Scores the fingerprint presented now (`presented`, encoded) against the one the session holds
 * (`stored`), with the session's recorded IP and the client's. A stored value that is not a
 * fingerprint (binding was off when the session began) compares equal: nothing to hold it to.
 * Parts one side did not send (client hints over plain HTTP, a missing header) are not compared.
 */
export function scoreBinding(
  policy: BindingPolicy,
  stored: string,
  presented: string,
  storedIp: string,
  presentedIp: string,
): BindingVerdict {
  // The usual case: the same browser from the same address, nothing to decode.
  if (stored === presented && storedIp === presentedIp) {
    return { outcome: 'same', score: 0, changes: [] };
  }
  const before = decodeFingerprint(stored);
  const now = decodeFingerprint(presented);
  if (before === undefined || now === undefined) return { outcome: 'same', score: 0, changes: [] };
  const changes: BindingChange[] = [];
  if (before.family !== now.family) changes.push('family');
  else if (before.major !== undefined && now.major !== undefined) {
    if (now.major > before.major) changes.push('version-bump');
    else if (now.major < before.major) changes.push('version-downgrade');
  }
  const differs = (a: string, b: string) => a !== '' && b !== '' && a !== b;
  if (differs(before.platform, now.platform)) changes.push('platform');
  if (differs(before.brands, now.brands)) changes.push('client-hints');
  if (before.language !== now.language) changes.push('language');
  if (before.encoding !== now.encoding) changes.push('encoding');
  if (before.network !== now.network) changes.push('network');
  else if (storedIp !== presentedIp) changes.push('ip');
  let score = 0;
  for (const change of changes) score += policy.weights[change];
  const outcome: BindingOutcome =
    changes.length === 0
      ? 'same'
      : score >= policy.hijackAt
        ? 'hijack'
        : score >= policy.suspiciousAt
          ? 'suspicious'
          : 'drift';
  return { outcome, score, changes };
}

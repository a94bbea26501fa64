import type { KeyRing } from '@rampart/crypto';
import { z } from 'zod';
import { CallbackFailure } from './errors.js';

/** What one sign-in flow must remember between its start and its callback. */
export interface FlowState {
  readonly provider: string;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce: string;
  /** Epoch milliseconds after which the callback is refused. */
  readonly expiresAt: number;
  /** Set when a signed-in user links another provider: the user the link goes to. */
  readonly linkUserId?: string;
}

const flowStateSchema = z.strictObject({
  provider: z.string(),
  state: z.string(),
  codeVerifier: z.string(),
  nonce: z.string(),
  expiresAt: z.number().int(),
  linkUserId: z.string().optional(),
});

/** The cookie's value is at most this long; a longer one is not ours and is not opened. */
const MAX_SEALED_LENGTH = 2048;

/** The AAD binds a sealed state to its provider: one provider's cookie opens for no other. */
function aadOf(provider: string): string {
  return `oauth-state:${provider}`;
}

/** Seals a flow's state for its cookie (AES-256-GCM through the key ring). */
export function sealFlowState(keyRing: KeyRing, flow: FlowState): string {
  return keyRing.seal(JSON.stringify(flow), { aad: aadOf(flow.provider) });
}

/**
 * Opens the cookie of a flow with `provider`; throws `CallbackFailure` for a value that was
 * not sealed by this ring for this provider, or that expired.
 */
export function openFlowState(
  keyRing: KeyRing,
  provider: string,
  sealed: string,
  now: number,
): FlowState {
  let flow: FlowState;
  try {
    if (sealed.length > MAX_SEALED_LENGTH) throw new Error('too long');
    flow = flowStateSchema.parse(JSON.parse(keyRing.openText(sealed, { aad: aadOf(provider) })));
  } catch {
    throw new CallbackFailure('state-invalid');
  }
  if (flow.provider !== provider) throw new CallbackFailure('state-invalid');
  if (now >= flow.expiresAt) throw new CallbackFailure('state-expired');
  return flow;
}

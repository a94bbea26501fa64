import { createHmac } from 'node:crypto';
import { isRampartError, type SettingsStore } from '@rampart/core';
import { constantTimeEqual, type KeyRing } from '@rampart/crypto';
import type { AppConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { appKeyRing } from './key-ring.js';

/**
 * The settings document holding what the stored state was keyed with: a text sealed by the key
 * ring and the HMAC fingerprints of the two keys, never a key itself.
 */
const DOCUMENT = 'secrets-check';
const CANARY = 'rampart-example: the key ring of this store';
const AAD = { aad: 'secrets-check' };
const MAX_ATTEMPTS = 3;

/** The secrets that key state the app stores: what another run must share to read it. */
export interface StoredStateSecrets {
  /** `ENCRYPTION_KEYS`: seals TOTP secrets, recovery-code peppers and the OAuth flow cookie. */
  readonly keyRing: KeyRing;
  /** `API_KEY_PEPPER`: keys the API keys' stored hashes. */
  readonly apiKeyPepper: string;
  /** `AUDIT_HMAC_KEY`: keys the audit chain. */
  readonly auditHmacKey: string;
}

/** This run's secrets, from its configuration (given or generated). */
export function storedStateSecrets(config: AppConfig): StoredStateSecrets {
  return {
    keyRing: appKeyRing(config),
    apiKeyPepper: config.apiKeys.pepper.value,
    auditHmacKey: config.audit.hmacKey.value,
  };
}

interface Fingerprints {
  readonly encryption: string;
  readonly apiKeyPepper: string;
  readonly auditHmacKey: string;
}

/**
 * Refuses to start, naming the variable, when the store holds state keyed by other secrets than
 * this run's: an earlier run's generated `ENCRYPTION_KEYS`, a changed `API_KEY_PEPPER` or
 * `AUDIT_HMAC_KEY`, or another instance configured differently. Without it such a run starts,
 * then answers 500 for every MFA user (their secrets no longer open), refuses every API key and
 * reports the audit chain broken. The first run on a store writes the document; a key ring whose
 * current key changed (a rotation keeping the old key) reseals it, so the old key may go later.
 */
export async function checkSecretsMatchStore(
  settings: SettingsStore,
  secrets: StoredStateSecrets,
  where: string,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await settings.read(DOCUMENT, 0);
    if (stored.data === undefined) {
      // Nothing stored yet; the loser of two first runs reads the winner's document and checks it.
      if ((await settings.compareAndSet(DOCUMENT, 0, fingerprintsOf(secrets))) !== null) return;
      continue;
    }
    const resealed = checkAgainst(parseFingerprints(stored.data, where), secrets, where);
    if (resealed === undefined) return;
    if ((await settings.compareAndSet(DOCUMENT, stored.version, resealed)) !== null) return;
  }
}

function fingerprintsOf(secrets: StoredStateSecrets): string {
  return JSON.stringify({
    encryption: secrets.keyRing.seal(CANARY, AAD),
    apiKeyPepper: hmacOf(secrets.apiKeyPepper),
    auditHmacKey: hmacOf(secrets.auditHmacKey),
  } satisfies Fingerprints);
}

/** Throws for the first secret that does not match; the document to write back, if any. */
function checkAgainst(
  stored: Fingerprints,
  secrets: StoredStateSecrets,
  where: string,
): string | undefined {
  const advice = `set it to the value the earlier run used (its banner printed a generated one), or start with --fresh to clear ${where}`;
  try {
    secrets.keyRing.open(stored.encryption, AAD);
  } catch (error) {
    if (!isRampartError(error)) throw error;
    throw new ConfigError(
      'ENCRYPTION_KEYS',
      `${where} holds secrets sealed by a key this key ring does not have: ${advice}`,
    );
  }
  if (!constantTimeEqual(stored.apiKeyPepper, hmacOf(secrets.apiKeyPepper))) {
    throw new ConfigError(
      'API_KEY_PEPPER',
      `${where} holds API keys hashed with another pepper: ${advice}`,
    );
  }
  if (!constantTimeEqual(stored.auditHmacKey, hmacOf(secrets.auditHmacKey))) {
    throw new ConfigError(
      'AUDIT_HMAC_KEY',
      `${where} holds an audit chain keyed with another key: ${advice}`,
    );
  }
  // A sealed text is `v1.<kid>.<iv>.<body>`.
  const sealedBy = stored.encryption.split('.', 3)[1];
  return sealedBy === secrets.keyRing.currentKeyId ? undefined : fingerprintsOf(secrets);
}

function parseFingerprints(text: string, where: string): Fingerprints {
  try {
    const parsed = JSON.parse(text) as Partial<Fingerprints>;
    if (
      typeof parsed.encryption === 'string' &&
      typeof parsed.apiKeyPepper === 'string' &&
      typeof parsed.auditHmacKey === 'string'
    ) {
      return parsed as Fingerprints;
    }
  } catch {
    // Reported below, as the shape is.
  }
  throw new Error(`${where}: the "${DOCUMENT}" settings document is damaged; start with --fresh`);
}

function hmacOf(key: string): string {
  return createHmac('sha256', key).update(CANARY).digest('base64url');
}

import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config-error.js';
import { parseSecret } from '../secrets.js';

/** One key of `ENCRYPTION_KEYS`: `kid:base64url-32-bytes`. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: string;
}

/** What the MFA routes are configured with (EXAMPLE-API.md, "More environment"). */
export interface MfaConfig {
  /** `MFA_ISSUER`: the issuer authenticator apps show. */
  readonly issuer: string;
  /** `ENCRYPTION_KEYS`, current first; generated (one key) when unset. */
  readonly encryptionKeys: {
    readonly value: readonly EncryptionKey[];
    readonly generated: boolean;
  };
}

export const DEFAULT_MFA_ISSUER = 'Rampart Example';
/** Printable text an authenticator app shows as is; no colon (apps split the label on it). */
const ISSUER_PATTERN = /^[\x20-\x39\x3b-\x7e]{1,64}$/;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_KEYS = 16;

/** `ENCRYPTION_KEYS` as the key ring takes it; a bad entry names the variable. */
function parseEncryptionKeys(text: string): EncryptionKey[] {
  const entries = text.split(',');
  if (entries.length > MAX_KEYS) {
    throw new ConfigError('ENCRYPTION_KEYS', `holds at most ${MAX_KEYS} keys`);
  }
  const seen = new Set<string>();
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    if (colon < 1 || !KEY_ID_PATTERN.test(id)) {
      throw new ConfigError(
        'ENCRYPTION_KEYS',
        'must be kid:base64url-32-bytes, comma-separated (kid: 1 to 32 of A-Z a-z 0-9 _ -)',
      );
    }
    if (seen.has(id)) throw new ConfigError('ENCRYPTION_KEYS', `names the key id ${id} twice`);
    seen.add(id);
    return { id, key: parseSecret('ENCRYPTION_KEYS', entry.slice(colon + 1), 32) };
  });
}

/** `MFA_ISSUER` and `ENCRYPTION_KEYS` from the environment, validated. */
export function parseMfaConfig(read: (name: string) => string | undefined): MfaConfig {
  const issuer = read('MFA_ISSUER') ?? DEFAULT_MFA_ISSUER;
  if (!ISSUER_PATTERN.test(issuer)) {
    throw new ConfigError(
      'MFA_ISSUER',
      'must be 1 to 64 printable ASCII characters without a colon',
    );
  }
  const keys = read('ENCRYPTION_KEYS');
  return {
    issuer,
    encryptionKeys:
      keys === undefined
        ? {
            value: [{ id: 'generated', key: randomBytes(32).toString('base64url') }],
            generated: true,
          }
        : { value: parseEncryptionKeys(keys), generated: false },
  };
}

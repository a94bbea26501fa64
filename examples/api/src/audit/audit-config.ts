import type { Provided } from '../config.js';
import { ConfigError } from '../config-error.js';
import { generateSecret, parseSecret } from '../secrets.js';

/** What the audit trail, its alerts and the automated response are configured with. */
export interface AuditConfig {
  /** `AUDIT_HMAC_KEY`: the chain key (base64url of at least 32 bytes); generated when unset. */
  readonly hmacKey: Provided<string>;
  /** `LOCKDOWN_SECONDS`: how long the automated response locks an account. Default 900. */
  readonly lockdownSeconds: number;
  /** `ALERT_WEBHOOK_URL` and `ALERT_WEBHOOK_SECRET` (`whsec_<base64>`), both or neither. */
  readonly alertWebhook: { readonly url: string; readonly secret: string } | undefined;
  /** `AUDIT_LOG_FILE`: a JSON-lines copy of every record (the trail's store on `--store redis`). */
  readonly logFile: string | undefined;
  /**
   * `AUDIT_MEMORY_RECORDS`: most records the in-process trail holds on `--store memory` and
   * `--store redis` (the oldest go first). Default 100 000.
   */
  readonly memoryRecords: number;
}

const SECONDS = /^[1-9][0-9]{0,7}$/;
const RECORDS = /^[1-9][0-9]{0,6}$/;
const DEFAULT_MEMORY_RECORDS = 100_000;
const MAX_MEMORY_RECORDS = 1_000_000;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

function parseWebhook(
  url: string | undefined,
  secret: string | undefined,
): AuditConfig['alertWebhook'] {
  if (url === undefined && secret === undefined) return undefined;
  if (url === undefined)
    throw new ConfigError('ALERT_WEBHOOK_URL', 'is required when ALERT_WEBHOOK_SECRET is set');
  if (secret === undefined)
    throw new ConfigError('ALERT_WEBHOOK_SECRET', 'is required when ALERT_WEBHOOK_URL is set');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('ALERT_WEBHOOK_URL', 'must be an http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('ALERT_WEBHOOK_URL', 'must be an http(s) URL');
  }
  if (!WEBHOOK_SECRET.test(secret) || Buffer.from(secret.slice(6), 'base64').length < 24) {
    throw new ConfigError(
      'ALERT_WEBHOOK_SECRET',
      'must be whsec_ followed by the base64 of 24 to 64 random bytes',
    );
  }
  return { url, secret };
}

/** The audit variables of EXAMPLE-API.md ("More environment"), validated. */
export function parseAuditConfig(read: (name: string) => string | undefined): AuditConfig {
  const hmacKey = read('AUDIT_HMAC_KEY');
  const lockdown = read('LOCKDOWN_SECONDS');
  if (lockdown !== undefined && !SECONDS.test(lockdown)) {
    throw new ConfigError(
      'LOCKDOWN_SECONDS',
      'must be a whole number of seconds from 1 to 99999999',
    );
  }
  const logFile = read('AUDIT_LOG_FILE');
  const records = read('AUDIT_MEMORY_RECORDS');
  if (records !== undefined && (!RECORDS.test(records) || Number(records) > MAX_MEMORY_RECORDS)) {
    throw new ConfigError(
      'AUDIT_MEMORY_RECORDS',
      `must be a whole number of records from 1 to ${MAX_MEMORY_RECORDS}`,
    );
  }
  return {
    hmacKey:
      hmacKey === undefined
        ? { value: generateSecret(), generated: true }
        : { value: parseSecret('AUDIT_HMAC_KEY', hmacKey), generated: false },
    lockdownSeconds: lockdown === undefined ? 900 : Number(lockdown),
    alertWebhook: parseWebhook(read('ALERT_WEBHOOK_URL'), read('ALERT_WEBHOOK_SECRET')),
    logFile: logFile === undefined || logFile === '' ? undefined : logFile,
    memoryRecords: records === undefined ? DEFAULT_MEMORY_RECORDS : Number(records),
  };
}

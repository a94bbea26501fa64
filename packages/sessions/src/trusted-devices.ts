import { createHash } from 'node:crypto';
import {
  type Clock,
  clockSchema,
  createEventEmitter,
  parseOptions,
  type SecurityEventHandler,
  type SecurityRequest,
  systemClock,
  type UserCredentialRevoker,
  type UserDataPurger,
} from '@rampart/core';
import { compileTokenFormat, parseToken, randomToken } from '@rampart/crypto';
import { z } from 'zod';
import { readCookie } from './cookie-header.js';
import { cookieNameSchema } from './cookie-name.js';
import { serializeSetCookie } from './set-cookie.js';
import { MAX_USER_AGENT_LENGTH, MAX_USER_ID_LENGTH } from './store.js';
import type { TrustedDeviceStore } from './trusted-device-store.js';

/** The device token's format: `td_`, 256 random bits in base62, a CRC32. */
// Compiled once: parseToken then skips validating the format on every request.
const DEVICE_TOKEN_FORMAT = compileTokenFormat({ prefix: 'td' });

/** A device just trusted: the token goes to the browser in `setCookie`, and nowhere else. */
export interface IssuedTrustedDevice {
  /** The device's id (the token's SHA-256, base64url); safe to show and log. */
  readonly id: string;
  readonly expiresAt: number;
  /** The cookie's token. Send it only as `setCookie`; never log or store it. */
  readonly token: string;
  /** The `Set-Cookie` value: `__Host-tdid=…; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax`. */
  readonly setCookie: string;
}

/** One entry of a user's trusted-device list. */
export interface TrustedDeviceInfo {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly userAgent: string;
}

/**
 * Devices a user trusted after passing a second factor (the seed's `trustDevice`), so `@rampart/mfa`
 * can skip the second factor on them for 30 days. The token lives in its own cookie and is stored
 * only as its SHA-256; a device is bound to its user (another user's token never verifies).
 * Revoke them all when MFA is disabled or the password changes (`revokeAllForUser`).
 */
export interface TrustedDevices extends UserCredentialRevoker, UserDataPurger {
  /** The device cookie's name (default `__Host-tdid`). */
  readonly cookieName: string;
  /** Trusts the device a request comes from (its User-Agent is kept for the list). */
  issue(userId: string, request?: Pick<SecurityRequest, 'headers'>): Promise<IssuedTrustedDevice>;
  /**
   * True when `token` is a live device token issued to `userId`. False for anything else: another
   * user's token, an expired, revoked, malformed or absent one. Never throws for bad input; a
   * store outage rejects with `StoreUnavailableError`.
   */
  verify(userId: string, token: unknown): Promise<boolean>;
  /** The device token of a request's cookie, or `undefined`; 400 `ERR_COOKIE_MALFORMED` for a bad header. */
  readToken(request: Pick<SecurityRequest, 'headers'>): string | undefined;
  list(userId: string): Promise<TrustedDeviceInfo[]>;
  /** Forgets one device of `userId`; false when the user has none with that id. */
  revoke(userId: string, id: string): Promise<boolean>;
  /** `Set-Cookie` value that deletes the device cookie. */
  clearCookie(): string;
}

/** Options of {@link createTrustedDevices}. */
export interface TrustedDevicesOptions {
  store: TrustedDeviceStore;
  /** How long a device stays trusted. Default 2 592 000 (30 days). */
  ttlSeconds?: number;
  /** Live devices a user may have; a new one drops the oldest. Default 10. */
  maxPerUser?: number;
  /** Default `__Host-tdid`. */
  cookieName?: string;
  clock?: Clock;
  /** Receives nothing secret: `SESSION_CREATED`/`SESSION_REVOKED` are not sent for devices; `TOKEN_ISSUED` and `TOKEN_REVOKED` with `reason: 'trusted-device'` are. */
  onEvent?: SecurityEventHandler;
}

const storeSchema = z.custom<TrustedDeviceStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['add', 'find', 'list', 'revoke', 'revokeAllForUser', 'purgeUser'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    ),
  'must be a TrustedDeviceStore (MemoryTrustedDeviceStore, RedisTrustedDeviceStore, PostgresTrustedDeviceStore …)',
);

const optionsSchema = z.strictObject({
  store: storeSchema,
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(400 * 86_400)
    .default(2_592_000),
  maxPerUser: z.number().int().min(1).max(1000).default(10),
  cookieName: cookieNameSchema.default('__Host-tdid'),
  clock: clockSchema.optional(),
  onEvent: z
    .custom<SecurityEventHandler>((value) => typeof value === 'function', 'must be a function')
    .optional(),
});

function deviceIdOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function validUserId(userId: unknown): userId is string {
  return typeof userId === 'string' && userId !== '' && userId.length <= MAX_USER_ID_LENGTH;
}

function checkUserId(userId: unknown): asserts userId is string {
  if (!validUserId(userId)) {
    throw new TypeError(
      `trustedDevices: userId must be a string of 1 to ${MAX_USER_ID_LENGTH} characters`,
    );
  }
}

/**
 * Creates the trusted-device service. Misconfiguration throws a `RampartConfigError` naming the option.
 *
 * @example
 * const devices = createTrustedDevices({ store: new MemoryTrustedDeviceStore() });
 * const { setCookie } = await devices.issue(user.id, request); // after a correct code + rememberDevice
 * if (await devices.verify(user.id, devices.readToken(request))) skipSecondFactor();
 */
export function createTrustedDevices(options: TrustedDevicesOptions): TrustedDevices {
  const parsed = parseOptions('createTrustedDevices', optionsSchema, options);
  const { store, maxPerUser, cookieName } = parsed;
  const clock = parsed.clock ?? systemClock;
  const ttlMs = parsed.ttlSeconds * 1000;
  const emit = createEventEmitter({ source: '@rampart/sessions', clock, onEvent: parsed.onEvent });
  const attributes = { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' } as const;
  const clearedCookie = serializeSetCookie(cookieName, '', { ...attributes, maxAgeSeconds: 0 });

  return Object.freeze({
    cookieName,

    async issue(userId: string, request?: Pick<SecurityRequest, 'headers'>) {
      checkUserId(userId);
      const now = clock.now();
      const token = randomToken(DEVICE_TOKEN_FORMAT);
      const agent = request?.headers['user-agent'];
      const userAgent = (typeof agent === 'string' ? agent : (agent?.[0] ?? '')).slice(
        0,
        MAX_USER_AGENT_LENGTH,
      );
      const record = {
        id: deviceIdOf(token),
        userId,
        createdAt: now,
        expiresAt: now + ttlMs,
        userAgent,
      };
      await store.add(record, maxPerUser, now);
      emit({ type: 'TOKEN_ISSUED', severity: 'info', reason: 'trusted-device', userId });
      return {
        id: record.id,
        expiresAt: record.expiresAt,
        token,
        setCookie: serializeSetCookie(cookieName, token, {
          ...attributes,
          maxAgeSeconds: parsed.ttlSeconds,
        }),
      };
    },

    async verify(userId: string, token: unknown): Promise<boolean> {
      if (!validUserId(userId) || parseToken(token, DEVICE_TOKEN_FORMAT) === undefined)
        return false;
      return (await store.find(userId, deviceIdOf(token as string), clock.now())) !== undefined;
    },

    readToken(request: Pick<SecurityRequest, 'headers'>): string | undefined {
      const token = readCookie(request.headers.cookie, cookieName);
      return token === '' ? undefined : token;
    },

    async list(userId: string): Promise<TrustedDeviceInfo[]> {
      checkUserId(userId);
      const records = await store.list(userId, clock.now());
      return records
        .sort((a, b) => b.createdAt - a.createdAt)
        .map(({ id, createdAt, expiresAt, userAgent }) => ({
          id,
          createdAt,
          expiresAt,
          userAgent,
        }));
    },

    async revoke(userId: string, id: string): Promise<boolean> {
      checkUserId(userId);
      const revoked = typeof id === 'string' && (await store.revoke(userId, id));
      if (revoked)
        emit({ type: 'TOKEN_REVOKED', severity: 'info', reason: 'trusted-device', userId });
      return revoked;
    },

    async revokeAllForUser(userId: string): Promise<void> {
      checkUserId(userId);
      await store.revokeAllForUser(userId);
      emit({ type: 'TOKEN_REVOKED', severity: 'info', reason: 'trusted-devices', userId });
    },

    async purgeUser(userId: string): Promise<void> {
      checkUserId(userId);
      await store.purgeUser(userId);
    },

    clearCookie: () => clearedCookie,
  });
}

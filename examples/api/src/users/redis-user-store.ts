import { RedisScript, type RedisScriptClient, withTimeout } from '@rampart/core/redis';
import { emailTakenError, normalizeEmail, type User, type UserStore } from './user-store.js';

export interface RedisUserStoreOptions {
  /** The app's ioredis client; the store neither connects nor closes it. */
  readonly redis: RedisScriptClient;
  /** Prepended to every key, e.g. `rampart-example:users:`. */
  readonly keyPrefix: string;
  /** How long one operation may wait before it fails with a 503; default 1000. */
  readonly timeoutMs?: number;
}

// Every key carries the hash tag `{u}` so the scripts' keys share one slot on Redis Cluster. The
// read scripts also touch the user hash named by the index (not in KEYS): the tag keeps it on
// the same node; a lookup by email stays one round trip instead of GET then HGETALL.

/** KEYS: email index, user hash, id index. ARGV: id, email, hash, role, locked, createdAt. */
const CREATE = new RedisScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('HSET', KEYS[2], 'id', ARGV[1], 'email', ARGV[2], 'passwordHash', ARGV[3],
  'role', ARGV[4], 'locked', ARGV[5], 'createdAt', ARGV[6])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 1`);

/** KEYS: id index (a sorted set, all scores 0: ordered by id). ARGV: from, count, user prefix. */
const LIST = new RedisScript(`
local ids = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
local users = {}
for i, id in ipairs(ids) do users[i] = redis.call('HGETALL', ARGV[3] .. id) end
return users`);

/** KEYS: user hash. ARGV: the role. Only an existing user is updated; answers the user. */
const SET_ROLE = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('HSET', KEYS[1], 'role', ARGV[1])
return redis.call('HGETALL', KEYS[1])`);

/** KEYS: email index. ARGV: prefix of user hashes. */
const FIND_BY_EMAIL = new RedisScript(`
local id = redis.call('GET', KEYS[1])
if not id then return {} end
return redis.call('HGETALL', ARGV[1] .. id)`);

/** KEYS: user hash. A script like the others, so every read shares one timeout path. */
const FIND_BY_ID = new RedisScript(`return redis.call('HGETALL', KEYS[1])`);

/** KEYS: user hash. ARGV: the new hash, the expected one. Only over the expected hash (so never a missing user). */
const SET_HASH = new RedisScript(`
if redis.call('HGET', KEYS[1], 'passwordHash') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
return 1`);

/** KEYS: user hash, id index. ARGV: prefix of email index keys, id. */
const PURGE = new RedisScript(`
local email = redis.call('HGET', KEYS[1], 'email')
if email then redis.call('DEL', ARGV[1] .. email) end
redis.call('ZREM', KEYS[2], ARGV[2])
return redis.call('DEL', KEYS[1])`);

const STORE = 'redis-user-store';
const DIGITS = /^[0-9]{1,16}$/;

/** A user from a flat `HGETALL` reply; anything else the hash holds is not a user. */
function parseUser(reply: unknown): User | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
  const [id, email, passwordHash, role, locked, createdAt] = [
    'id',
    'email',
    'passwordHash',
    'role',
    'locked',
    'createdAt',
  ].map((name) => fields.get(name));
  if (!id || !email || !passwordHash || !role || !createdAt || !DIGITS.test(createdAt)) {
    return undefined;
  }
  return Object.freeze({
    id,
    email,
    passwordHash,
    role,
    locked: locked === '1',
    createdAt: Number(createdAt),
  });
}

/** Users as Redis hashes (`<prefix>{u}:id:<id>`) with an email index (`<prefix>{u}:email:<email>`). */
export class RedisUserStore implements UserStore {
  readonly #redis: RedisScriptClient;
  readonly #users: string;
  readonly #emails: string;
  readonly #ids: string;
  readonly #timeoutMs: number;

  constructor(options: RedisUserStoreOptions) {
    this.#redis = options.redis;
    this.#users = `${options.keyPrefix}{u}:id:`;
    this.#emails = `${options.keyPrefix}{u}:email:`;
    this.#ids = `${options.keyPrefix}{u}:ids`;
    this.#timeoutMs = options.timeoutMs ?? 1000;
  }

  #run(script: RedisScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    return withTimeout(() => script.run(this.#redis, keys, args), {
      store: STORE,
      timeoutMs: this.#timeoutMs,
    });
  }

  async create(user: User): Promise<void> {
    const email = normalizeEmail(user.email);
    const created = await this.#run(
      CREATE,
      [this.#emails + email, this.#users + user.id, this.#ids],
      [user.id, email, user.passwordHash, user.role, user.locked ? '1' : '0', user.createdAt],
    );
    if (created !== 1) throw emailTakenError();
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return parseUser(
      await this.#run(FIND_BY_EMAIL, [this.#emails + normalizeEmail(email)], [this.#users]),
    );
  }

  async findById(id: string): Promise<User | undefined> {
    return parseUser(await this.#run(FIND_BY_ID, [this.#users + id], []));
  }

  async list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor?: string }> {
    // One more than asked: whether a next page exists, without a second round trip.
    const reply = await this.#run(
      LIST,
      [this.#ids],
      [cursor === undefined ? '-' : `(${cursor}`, limit + 1, this.#users],
    );
    const found = (Array.isArray(reply) ? reply : [])
      .map(parseUser)
      .filter((user) => user !== undefined);
    const items = found.slice(0, limit);
    const last = items.at(-1);
    return found.length > limit && last !== undefined ? { items, nextCursor: last.id } : { items };
  }

  async setRole(id: string, role: string): Promise<User | undefined> {
    return parseUser(await this.#run(SET_ROLE, [this.#users + id], [role]));
  }

  async setPasswordHash(id: string, passwordHash: string, expected: string): Promise<boolean> {
    return (await this.#run(SET_HASH, [this.#users + id], [passwordHash, expected])) === 1;
  }

  async purgeUser(id: string): Promise<void> {
    await this.#run(PURGE, [this.#users + id, this.#ids], [this.#emails, id]);
  }
}

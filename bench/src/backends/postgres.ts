import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type PinnedGroup, pinGroup } from '../harness/pinning.js';
import { childPids, processesCpuNs, readProcStat } from '../harness/proc.js';

/** Connections per pool: enough for 50 in flight to queue on the pool, not on one socket. */
export const POOL_SIZE = 10;

/** Names our connections in pg_stat_activity, so the harness meters only our backends. */
const APPLICATION_NAME = 'rampart-bench';

/** A Postgres to benchmark against: a Kysely for the store, a raw pool for the bare statement. */
export interface BenchPostgres {
  // biome-ignore lint/suspicious/noExplicitAny: the bench's tables are created at run time
  db: Kysely<any>;
  /** A raw pg Pool, configured like the one under Kysely. */
  pool: pg.Pool;
  /** The pg Pool under `db` (for a store that also takes it, to prepare its statements on). */
  storePool: pg.Pool;
  version: string;
  /** The postmaster's pid when Postgres runs on this host. */
  postmasterPid: number | undefined;
  /** CPU ns spent so far by our backends (both pools); undefined when Postgres is not on this host. */
  cpuNs: (() => number) | undefined;
  /** Pins the postmaster and every child; connections opened afterwards inherit the pin. */
  pin(cpu: number): PinnedGroup | undefined;
  /** Opens every connection of both pools and notes their backend pids for `cpuNs`. */
  openAllConnections(): Promise<void>;
  close(): Promise<void>;
}

function makePool(url: string): pg.Pool {
  // idleTimeoutMillis 0: a connection closed between rounds would be reopened (a fork and an
  // authentication) inside a timed round, and its new backend would escape the CPU meter.
  return new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    idleTimeoutMillis: 0,
    application_name: APPLICATION_NAME,
  });
}

export async function connectPostgres(
  url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
): Promise<BenchPostgres> {
  const pool = makePool(url);
  const storePool = makePool(url);
  const db = new Kysely({ dialect: new PostgresDialect({ pool: storePool }) });
  const probe = await pool.query<{ version: string; pid: number }>(
    'select current_setting($1) as version, pg_backend_pid() as pid',
    ['server_version'],
  );
  const row = probe.rows[0] as { version: string; pid: number };
  const version = row.version.split(' ')[0] ?? row.version;
  // The backend's parent is the postmaster, when that pid is a postgres process on this host.
  const backend = readProcStat(row.pid);
  const postmasterPid =
    backend?.comm === 'postgres' && readProcStat(backend.ppid)?.comm === 'postgres'
      ? backend.ppid
      : undefined;
  let backendPids: number[] = [];

  return {
    db,
    pool,
    storePool,
    version,
    postmasterPid,
    cpuNs: postmasterPid === undefined ? undefined : () => processesCpuNs(backendPids),
    pin(cpu) {
      if (postmasterPid === undefined) return undefined;
      return pinGroup('postgres', [postmasterPid, ...childPids(postmasterPid)], cpu, postmasterPid);
    },
    async openAllConnections() {
      for (const target of [pool, storePool]) {
        const clients = await Promise.all(
          Array.from({ length: POOL_SIZE }, () => target.connect()),
        );
        for (const client of clients) client.release();
      }
      const { rows } = await pool.query<{ pid: number }>(
        'select pid from pg_stat_activity where application_name = $1',
        [APPLICATION_NAME],
      );
      backendPids = rows.map((r) => r.pid);
    },
    async close() {
      await db.destroy();
      await pool.end();
    },
  };
}

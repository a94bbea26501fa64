import { randomBytes } from 'node:crypto';
import type { Framework, StoreKind } from '../config.js';
import { type AppProcess, startApp } from './app-process.js';
import { allSteps, everyResponse } from './steps.js';
import { runTour, type Step, type StepResult, type Tour } from './tour.js';

export interface DemoOptions {
  readonly framework: Framework;
  readonly store: StoreKind;
  /** Extra environment for the app, e.g. `RAMPART_KEY_PREFIX` / `DATABASE_SCHEMA` for isolation. */
  readonly env?: Readonly<Record<string, string>>;
  readonly steps?: readonly Step[];
}

export interface DemoRun {
  readonly framework: Framework;
  readonly store: StoreKind;
  readonly results: readonly StepResult[];
  /** Why the tour did not run (the app failed to start), or why it did not stop cleanly. */
  readonly error?: string;
  /** True when every step passed and the app started and stopped cleanly. */
  readonly ok: boolean;
}

/**
 * The secrets the demo starts the app with, so later steps can log in as the admin and sign
 * requests without scraping them from the app's output.
 */
function demoSecrets(): Record<string, string> {
  return {
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    SIGNING_KEY_ID: 'demo-client',
    SIGNING_SECRET: randomBytes(32).toString('base64url'),
  };
}

/**
 * Starts the app as a child process on a free port, walks the tour over real HTTP, and stops
 * it with SIGTERM. The demo's own key prefix and schema (with `--fresh`) keep it away from the
 * state of a `pnpm example` run on the same Redis or Postgres.
 */
export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const { framework, store } = options;
  const secrets = demoSecrets();
  const env = {
    RAMPART_KEY_PREFIX: 'rampart-demo:',
    DATABASE_SCHEMA: 'rampart_demo',
    // The tour shows a blocked address by claiming it through X-Forwarded-For from loopback.
    TRUSTED_PROXIES: '127.0.0.1/32',
    ...secrets,
    ...options.env,
  };
  let app: AppProcess;
  try {
    app = await startApp({
      args: [
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--framework',
        framework,
        '--store',
        store,
        '--fresh',
      ],
      env,
    });
  } catch (error) {
    return {
      framework,
      store,
      results: [],
      error: error instanceof Error ? error.message : String(error),
      ok: false,
    };
  }

  let results: StepResult[] = [];
  let tourError: string | undefined;
  try {
    const tour: Tour = { baseUrl: app.url, framework, store, secrets, vars: new Map() };
    results = await runTour(tour, options.steps ?? allSteps, everyResponse);
  } catch (error) {
    tourError = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  const code = await app.stop();
  const error =
    tourError ??
    (code === 0 ? undefined : `the app exited with code ${code} on SIGTERM:\n${app.output()}`);
  const ok = error === undefined && results.every((result) => result.ok);
  return error === undefined
    ? { framework, store, results, ok }
    : { framework, store, results, error, ok };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** examples/api: the child runs there so tsx finds its tsconfig.json and `node_modules/tsx`. */
export const APP_DIR = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'src/main.ts';
const READY_PATTERN = /^Listening on (http:\/\/\S+)$/m;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface AppProcessOptions {
  /** Command-line options after `src/main.ts`, e.g. `['--port', '0', '--store', 'redis']`. */
  readonly args: readonly string[];
  /** Added to (and overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The example app running as a child process, as a user would start it. */
export interface AppProcess {
  /** From its `Listening on` line. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /**
   * Sends `signal` (default SIGTERM) and resolves with the exit code once the output is drained
   * (`null` when a signal killed it, e.g. the SIGKILL sent after 15 s).
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The result of a child that exited on its own, e.g. refusing a bad option. */
export interface AppExit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Spawned {
  readonly child: ChildProcess;
  /** Resolves with the exit code after the pipes are drained ('close', not 'exit'). */
  readonly closed: Promise<number | null>;
}

function spawnApp(options: AppProcessOptions): Spawned {
  // `node --import tsx` rather than the tsx CLI: one process, so signals reach the app itself.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...options.args], {
    cwd: APP_DIR,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  return { child, closed };
}

/** Starts the app and resolves once it prints `Listening on`; rejects if it exits first. */
export function startApp(options: AppProcessOptions): Promise<AppProcess> {
  const { child, closed } = spawnApp(options);
  let output = '';
  let pending = '';
  child.stderr?.on('data', (chunk: string) => {
    output += chunk;
  });

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await closed;
    clearTimeout(kill);
    return code;
  }

  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`the app did not print "Listening on" within ${START_TIMEOUT_MS} ms:\n${output}`),
      );
    }, START_TIMEOUT_MS);
    void closed.then((code) => {
      clearTimeout(timer);
      if (!ready)
        reject(new Error(`the app exited with code ${code} before listening:\n${output}`));
    });
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (ready) return;
      pending += chunk;
      const match = READY_PATTERN.exec(pending);
      if (match === null) return;
      ready = true;
      clearTimeout(timer);
      resolve({ url: match[1] as string, child, output: () => output, stop });
    });
  });
}

/** Runs the app to completion, for options it refuses before listening (or `--help`). */
export async function runAppToExit(options: AppProcessOptions): Promise<AppExit> {
  const { child, closed } = spawnApp(options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  const code = await closed;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoopDelay } from './loop-probe.js';

/** examples/api: tsx finds its tsconfig there, which runs `@rampart/*` from their sources. */
const APP_DIR = fileURLToPath(new URL('../../../examples/api/', import.meta.url));
const PROBE = pathToFileURL(fileURLToPath(new URL('./loop-probe.ts', import.meta.url))).href;
const START_TIMEOUT_MS = 60_000;

/** The example app as a child process, with the event-loop probe preloaded. */
export interface FloodApp {
  readonly url: string;
  readonly pid: number;
  /** Everything it wrote to stderr so far (the causes of 5xx it logs). */
  stderr(): string;
  /** Starts sampling the app's event-loop delay; resolves once the app has started. */
  startProbe(): Promise<void>;
  /** Stops sampling and resolves the delay the app saw since `startProbe`. */
  stopProbe(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

/** Starts `pnpm example --framework <framework> --port 0` with `env`, as a user would. */
export function startFloodApp(
  framework: 'fastify' | 'express',
  env: Record<string, string>,
): Promise<FloodApp> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', PROBE, 'src/main.ts', '--port', '0', '--framework', framework],
    {
      cwd: APP_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  // Always drained: a full pipe would block the app's writes (synchronous to pipes on Linux).
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let listening = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the example app did not listen within ${START_TIMEOUT_MS} ms:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!listening)
        reject(new Error(`the example app exited with code ${code}:\n${stdout}\n${stderr}`));
    });
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^Listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match === null) return;
      listening = true;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve(floodApp(child, match[1] as string, () => stderr, exited));
    });
  });
}

function floodApp(
  child: ChildProcess,
  url: string,
  stderr: () => string,
  exited: Promise<void>,
): FloodApp {
  const ask = <T>(message: string) =>
    new Promise<T>((resolve) => {
      child.once('message', (answer) => resolve(answer as T));
      child.send(message);
    });
  return {
    url,
    pid: child.pid as number,
    stderr,
    startProbe: async () => {
      await ask<string>('start');
    },
    stopProbe: () => ask<LoopDelay>('stop'),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

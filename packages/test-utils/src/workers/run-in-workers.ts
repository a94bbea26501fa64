import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './messages.js';

/** Options of {@link runInWorkers}. */
export interface RunInWorkersOptions {
  /** Kill every worker and reject when the whole run takes longer. Default 60 000 ms. */
  readonly timeoutMs?: number;
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const WORKER_PROCESS = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
// Worker processes resolve `@rampart/x` to the sources, as the tests do, not to a stale dist/.
const SOURCE_TSCONFIG = `${REPO_ROOT}tsconfig.json`;

/** The next message of `child`, or its exit as an error. */
function nextMessage(child: ChildProcess, index: number): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    function onExit(code: number | null): void {
      child.off('message', onMessage);
      reject(new Error(`worker ${index} exited (code ${code}) before answering`));
    }
    function onMessage(message: FromWorker): void {
      child.off('exit', onExit);
      if (message.kind === 'failed') reject(new Error(`worker ${index} failed: ${message.error}`));
      else resolve(message);
    }
    child.once('exit', onExit);
    child.once('message', onMessage);
  });
}

/**
 * Runs one worker process per input, each a separate Node process with its own connections, and
 * starts their work together: every worker prepares first (connects, builds its store), and only
 * when all are ready are they told to run, so their requests really overlap. Resolves with the
 * outputs in the order of `inputs`; rejects when one fails, with its stack.
 *
 * The worker module (a `.ts` file, run through tsx against the sources) exports by default
 * `async (input) => async () => output`: the outer function prepares, the inner one runs.
 * Inputs and outputs cross as structured-clone messages (JSON-like values).
 *
 * @example
 * const counts = await runInWorkers<Input, number>(new URL('./claim-worker.ts', import.meta.url),
 *   [{ prefix }, { prefix }, { prefix }]);
 */
export async function runInWorkers<Input, Output>(
  workerModule: URL,
  inputs: readonly Input[],
  options: RunInWorkersOptions = {},
): Promise<Output[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const children = inputs.map(() =>
    fork(WORKER_PROCESS, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TSX_TSCONFIG_PATH: SOURCE_TSCONFIG },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`runInWorkers: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const work = (async () => {
      const ready = children.map((child, index) => nextMessage(child, index));
      // One failure rejects the whole run; the others' later rejections (killed) are expected.
      for (const answer of ready) answer.catch(() => undefined);
      children.forEach((child, index) => {
        const prepare: ToWorker = {
          kind: 'prepare',
          file: workerModule.href,
          input: inputs[index],
        };
        child.send(prepare);
      });
      await Promise.all(ready);
      const done = children.map((child, index) => nextMessage(child, index));
      for (const answer of done) answer.catch(() => undefined);
      const run: ToWorker = { kind: 'run' };
      for (const child of children) child.send(run);
      const answers = await Promise.all(done);
      return answers.map((answer) => (answer as { output: Output }).output);
    })();
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

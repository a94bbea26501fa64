/**
 * The body of each process `runInWorkers` starts (run through tsx). It imports the worker module,
 * prepares it with its input, says it is ready, runs at the parent's signal and sends the result.
 */
import type { FromWorker, ToWorker } from './messages.js';

/** What a worker module exports by default: prepare (connect, build the store), then run. */
type Prepare = (input: unknown) => Promise<() => Promise<unknown>>;

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

let run: (() => Promise<unknown>) | undefined;

process.on('message', async function onMessage(message: ToWorker) {
  try {
    if (message.kind === 'prepare') {
      const module = (await import(message.file)) as { default?: Prepare };
      if (typeof module.default !== 'function') {
        throw new TypeError(`${message.file} has no default export (input) => Promise<run>`);
      }
      run = await module.default(message.input);
      await send({ kind: 'ready' });
      return;
    }
    if (run === undefined) throw new Error('run signal before prepare');
    const output = await run();
    await send({ kind: 'done', output });
  } catch (error) {
    await send({ kind: 'failed', error: describeError(error) });
  }
  process.disconnect();
});

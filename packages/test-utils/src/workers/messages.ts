/** Parent → worker: the input to prepare with, then the signal to run. */
export type ToWorker =
  | { readonly kind: 'prepare'; readonly file: string; readonly input: unknown }
  | { readonly kind: 'run' };

/** Worker → parent: prepared (connected, waiting), then the outcome of the run. */
export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'done'; readonly output: unknown }
  | { readonly kind: 'failed'; readonly error: string };

/**
 * The process warnings with `code` emitted while `run` runs (and the turn after it, since
 * `process.emitWarning` delivers on the next tick).
 */
export async function warningsWithCode(code: string, run: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onWarning = (warning: Error) => {
    if ((warning as { code?: unknown }).code === code) seen.push(warning);
  };
  process.on('warning', onWarning);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

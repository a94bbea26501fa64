import type { StepResult } from './tour.js';

const MAX_CELL = 48;

function cell(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** The tour as a table (step, request, expected, got, ok: ✓/✗), then why each failed step failed. */
export function formatResults(results: readonly StepResult[]): string {
  const header = ['step', 'request', 'expected', 'got', 'ok'];
  const rows = results.map((r) => [
    cell(r.name),
    cell(r.request),
    cell(r.expected),
    cell(r.got),
    r.ok ? '✓' : '✗',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] as string).length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((text, i) => text.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  for (const result of results) {
    if (result.ok) continue;
    out.push('', `✗ ${result.name}: ${result.request}`);
    for (const failure of result.failures) out.push(`    ${failure}`);
  }
  return out.join('\n');
}

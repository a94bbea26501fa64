import { readFileSync, writeFileSync } from 'node:fs';

/**
 * A GitHub-flavoured markdown table, padded the way Biome formats markdown (the repository's
 * `biome check` covers docs/), so a regenerated docs/benchmarks.md passes the lint as written.
 * The first (name) column is left-aligned, the others (numbers) right-aligned. `|` in cells is
 * escaped so a name cannot break the row.
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  for (const row of rows) {
    if (row.length !== header.length)
      throw new RangeError('markdownTable: row width differs from header');
  }
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const cells = [header, ...rows].map((row) => row.map(escapeCell));
  // Code points, not UTF-16 units: µ, ×, … and – each take one column.
  const width = (text: string) => [...text].length;
  const widths = header.map((_, column) =>
    Math.max(3, ...cells.map((row) => width(row[column] as string))),
  );
  const pad = (text: string, column: number) => {
    const fill = ' '.repeat((widths[column] as number) - width(text));
    return column === 0 ? text + fill : fill + text;
  };
  const line = (row: readonly string[]) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head as string[]), rule, ...body.map(line)].join('\n');
}

const startMarker = (id: string) => `<!-- bench:${id}:start -->`;
const endMarker = (id: string) => `<!-- bench:${id}:end -->`;

/**
 * Replaces the generated section `id` of `doc` (between its markers) with `body`, or appends it
 * when absent. Everything outside the markers (the hand-written intro) is kept byte for byte.
 */
export function upsertSection(doc: string, id: string, body: string): string {
  if (!/^[a-z0-9-]+$/.test(id)) throw new RangeError('upsertSection: id must be kebab-case');
  const start = startMarker(id);
  const end = endMarker(id);
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from !== -1 && to > from) return doc.slice(0, from) + block + doc.slice(to + end.length);
  const separator =
    doc.length === 0 || doc.endsWith('\n\n') ? '' : doc.endsWith('\n') ? '\n' : '\n\n';
  return `${doc}${separator}${block}\n`;
}

/** Rewrites section `id` of the markdown file at `path` (created if missing). */
export function writeSection(path: string | URL, id: string, body: string): void {
  let doc = '';
  try {
    doc = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(path, upsertSection(doc, id, body));
}

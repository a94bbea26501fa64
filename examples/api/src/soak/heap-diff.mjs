// What grew between two heap snapshots (the probe's SOAK_HEAP_SNAPSHOTS): objects counted by
// constructor name, with their own size, largest growth first.
//   node examples/api/src/soak/heap-diff.mjs <early.heapsnapshot> <end.heapsnapshot> [rows]
import { readFileSync } from 'node:fs';

function byConstructor(file) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const counts = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Strings are named by their content: counted as one kind each of their type.
    const name = type === 'object' || type === 'closure' ? strings[nodes[i + nameAt]] : `(${type})`;
    const entry = counts.get(name) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[i + sizeAt];
    counts.set(name, entry);
  }
  return counts;
}

const [earlyFile, endFile, rows = '30'] = process.argv.slice(2);
if (!earlyFile || !endFile) {
  console.error('usage: heap-diff.mjs <early.heapsnapshot> <end.heapsnapshot> [rows]');
  process.exit(2);
}
const early = byConstructor(earlyFile);
const end = byConstructor(endFile);
const growth = [...end].map(([name, { count, size }]) => {
  const before = early.get(name) ?? { count: 0, size: 0 };
  return { name, count: count - before.count, size: size - before.size, total: count };
});
growth.sort((a, b) => b.size - a.size);
for (const { name, count, size, total } of growth.slice(0, Number(rows))) {
  console.log(
    `${(size / 1024).toFixed(0).padStart(8)} KiB ${String(count).padStart(8)} objects (${total} now)  ${name.slice(0, 80)}`,
  );
}

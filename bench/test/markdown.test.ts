import { describe, expect, it } from 'vitest';
import { markdownTable, upsertSection } from '../src/harness/markdown.js';

describe('markdownTable', () => {
  it('pads like Biome: names left-aligned, numbers right-aligned, the rule as wide as the column', () => {
    expect(
      markdownTable(
        ['variant', 'ops/s'],
        [
          ['bare', '1,000'],
          ['store', '12.5'],
        ],
      ),
    ).toBe(
      [
        '| variant | ops/s |',
        '| ------- | ----: |',
        '| bare    | 1,000 |',
        '| store   |  12.5 |',
      ].join('\n'),
    );
  });

  it('counts µ, × and – as one column each', () => {
    expect(markdownTable(['µs/op', 'x'], [['1.0×', '–']])).toBe(
      ['| µs/op |   x |', '| ----- | --: |', '| 1.0×  |   – |'].join('\n'),
    );
  });

  it('escapes pipes and newlines so a cell cannot break its row', () => {
    expect(markdownTable(['a'], [['x|y\nz']])).toBe('| a      |\n| ------ |\n| x\\|y z |');
  });

  it('refuses a row whose width differs from the header', () => {
    expect(() => markdownTable(['a', 'b'], [['only one']])).toThrow(RangeError);
  });
});

describe('upsertSection', () => {
  const intro = '# Benchmarks\n\nHow to run.\n';

  it('appends a section that is not there yet, inside its markers', () => {
    expect(upsertSection(intro, 'nonce-claim', '## Claims\n')).toBe(
      '# Benchmarks\n\nHow to run.\n\n<!-- bench:nonce-claim:start -->\n## Claims\n<!-- bench:nonce-claim:end -->\n',
    );
  });

  it('replaces only its own section and keeps everything else byte for byte', () => {
    let doc = upsertSection(intro, 'a', 'first A');
    doc = upsertSection(doc, 'b', 'first B');
    const updated = upsertSection(doc, 'a', 'second A');
    expect(updated).toContain('second A');
    expect(updated).not.toContain('first A');
    expect(updated).toContain('<!-- bench:b:start -->\nfirst B\n<!-- bench:b:end -->');
    expect(updated.startsWith(intro)).toBe(true);
    expect(upsertSection(updated, 'a', 'second A')).toBe(updated);
  });

  it('creates a document from nothing', () => {
    expect(upsertSection('', 'x', 'body')).toBe(
      '<!-- bench:x:start -->\nbody\n<!-- bench:x:end -->\n',
    );
  });

  it('refuses an id that could break the markers', () => {
    expect(() => upsertSection(intro, 'a -->', 'x')).toThrow(RangeError);
  });
});

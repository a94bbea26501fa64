import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** The relative import specifiers of every `.ts` file under `src/<dir>`. */
function importsOf(dir: string): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  for (const name of readdirSync(join(SRC, dir))) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(join(SRC, dir, name), 'utf8');
    for (const match of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      found.push({ file: `${dir}/${name}`, specifier: match[1] as string });
    }
  }
  return found;
}

describe('module layers', () => {
  it.each(['shared', 'rampart-v1', 'rfc9421', 'client'])(
    'src/%s imports nothing from src/server (the verifier depends on the parsers, never back)',
    (dir) => {
      const upward = importsOf(dir).filter(({ specifier }) => specifier.startsWith('../server/'));
      expect(upward).toEqual([]);
    },
  );

  it('src/shared imports only from src/shared', () => {
    const outside = importsOf('shared').filter(({ specifier }) => !specifier.startsWith('./'));
    expect(outside).toEqual([]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Every TypeScript source file under `dir`, tests and `node_modules` left out. */
function sources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else if (/\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name)) found.push(path);
  }
  return found;
}

/** The `{ … }` block that starts at the first brace after `from`. */
function blockAfter(text: string, from: number): string {
  const start = text.indexOf('{', from);
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

/** Augmentations of the framework request types: Fastify's module, Express's namespace or modules. */
const AUGMENTATIONS: ReadonlyArray<[string, RegExp]> = [
  ['fastify', /declare\s+module\s+['"]fastify['"]/g],
  ['express', /namespace\s+Express\b/g],
  ['express', /declare\s+module\s+['"](?:express|express-serve-static-core)['"]/g],
];
const AUTH_MEMBER = /^\s*(?:readonly\s+)?auth\??\s*:/m;

/** What `text` declares an `auth` member on, or decorates with it: `['fastify']`, `['express']` … */
function declaresAuth(text: string): string[] {
  const found: string[] = [];
  for (const [framework, pattern] of AUGMENTATIONS) {
    for (const match of text.matchAll(pattern)) {
      if (AUTH_MEMBER.test(blockAfter(text, match.index))) found.push(framework);
    }
  }
  if (/decorateRequest\(\s*['"]auth['"]/.test(text)) found.push('decorate');
  return found;
}

/** `fastify:packages/x/src/y.ts` for each declaration of `auth` in `files`. */
function authDeclarations(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    declaresAuth(readFileSync(file, 'utf8')).map((kind) => `${kind}:${relative(repo, file)}`),
  );
}

function workspaceSources(): { core: string[]; others: string[] } {
  const core = sources(join(repo, 'packages/core/src'));
  const others: string[] = [];
  for (const parent of ['packages', 'examples']) {
    for (const entry of readdirSync(join(repo, parent), { withFileTypes: true })) {
      if (!entry.isDirectory() || (parent === 'packages' && entry.name === 'core')) continue;
      const src = join(repo, parent, entry.name, 'src');
      try {
        others.push(...sources(src));
      } catch {
        // A package without src/ (nothing built yet) declares nothing.
      }
    }
  }
  return { core, others };
}

describe('only core declares req.auth / request.auth', () => {
  const { core, others } = workspaceSources();

  it('core declares it once for Express and once for Fastify, and decorates it in one place', () => {
    // The control: the scan finds the declarations it looks for.
    expect(authDeclarations(core).sort()).toEqual([
      'decorate:packages/core/src/auth/fastify.ts',
      'express:packages/core/src/express.ts',
      'fastify:packages/core/src/fastify.ts',
    ]);
  });

  it('no other package, nor the example app, declares or decorates an auth member', () => {
    expect(others.length).toBeGreaterThan(50);
    expect(authDeclarations(others)).toEqual([]);
  });

  it('would see a second declaration if a package made one', () => {
    const fastify =
      "declare module 'fastify' {\n  interface FastifyRequest {\n    auth: JwtAuth | null;\n  }\n}";
    const express =
      'declare global {\n  namespace Express {\n    interface Request {\n      auth?: JwtAuth;\n    }\n  }\n}';
    const expressModule =
      "declare module 'express-serve-static-core' {\n  interface Request {\n    readonly auth: X;\n  }\n}";
    expect(declaresAuth(fastify)).toEqual(['fastify']);
    expect(declaresAuth(express)).toEqual(['express']);
    expect(declaresAuth(expressModule)).toEqual(['express']);
    expect(declaresAuth("fastify.decorateRequest('auth', null);")).toEqual(['decorate']);
    // Other members are no declaration of auth.
    expect(declaresAuth(fastify.replace('auth:', 'authFailure:'))).toEqual([]);
  });
});

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { sourceAliases } from './vitest.shared.js';

/** What tsc checks for the type tests: every `*.test-d.ts` and what it imports. */
const typeTestsConfig = fileURLToPath(new URL('./tsconfig.test-d.json', import.meta.url));

const packageDirs = readdirSync(new URL('./packages', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `packages/${entry.name}`);

/** One Vitest project per package, plus the example app and the bench helpers. */
export const projects: TestProjectInlineConfiguration[] = [
  ...packageDirs,
  'examples/api',
  'bench',
].map((dir) => ({
  extends: true,
  resolve: { alias: sourceAliases },
  test: {
    name: dir.split('/').pop() as string,
    root: dir,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Type tests (`*.test-d.ts`, expectTypeOf) run through tsc beside the runtime tests, on
    // tsconfig.test-d.json (the type tests and what they import). Errors outside them are
    // `pnpm typecheck`'s to report.
    typecheck: {
      enabled: true,
      include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: typeTestsConfig,
      ignoreSourceErrors: true,
    },
  },
}));

export default projects;

import { readdirSync } from 'node:fs';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { sourceAliases } from './vitest.shared.js';

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
  },
}));

export default projects;

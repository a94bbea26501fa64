import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Tests run against the TypeScript sources, never a stale `dist/`: `@rampart/x` resolves to
 * `packages/x/src/index.ts` and `@rampart/x/sub` to `packages/x/src/sub.ts`, mirroring each
 * package's `exports` map.
 */
export const sourceAliases = [
  { find: /^@rampart\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
  { find: /^@rampart\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
];

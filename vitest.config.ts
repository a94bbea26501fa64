import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.js';

export default defineConfig({
  test: {
    projects,
    // Store tests share one Redis and one Postgres; each isolates itself by key prefix or schema.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

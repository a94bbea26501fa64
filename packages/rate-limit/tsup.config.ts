import { defineConfig } from 'tsup';

// The entry list equals the `exports` map of package.json.
export default defineConfig({
  entry: [
    'src/index.ts',
    'src/express.ts',
    'src/fastify.ts',
    'src/redis.ts',
    'src/postgres.ts',
    'src/testing.ts',
  ],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});

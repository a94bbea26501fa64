import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.package.js';

// One entry per `exports` path of package.json; see tsup.package.ts.
export default defineConfig(packageBuild());

#!/usr/bin/env node
// Entry point for `npx rxmesh`: runs the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { requireSupportedNode } from './node-version.js';

requireSupportedNode();

const compiled = new URL('../dist/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('rxmesh is not built yet. Run `npm run build` (or `npm start`) in the repository first.\n');
  process.exit(1);
}
await import(compiled.href);

#!/usr/bin/env node
// The `broker-node` command: runs the build in dist/ (`make build` creates it) under the Node that
// runs this file (npx puts the project's Node 24 first on PATH).
import { existsSync } from 'node:fs';

const entry = new URL('../../dist/node/src/bin/broker-node.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('broker-node: not built yet: run `make build` in the checkout first\n');
  process.exit(1);
}
await import(entry.href);

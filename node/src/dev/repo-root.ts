import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest ancestor whose package.json is this project's. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'brokercluster'
    ) {
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the brokercluster checkout above ' + fileURLToPath(import.meta.url));
}

/** The built broker-node entry point (`make build` creates it). */
export function brokerNodeEntry(): string {
  return join(repoRoot(), 'dist', 'node', 'src', 'bin', 'broker-node.js');
}

/** The built brokerctl entry point. */
export function brokerctlEntry(): string {
  return join(repoRoot(), 'dist', 'node', 'src', 'bin', 'brokerctl.js');
}

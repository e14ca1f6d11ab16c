// The control plane build script is idempotent: with everything installed it does nothing
// (no apt, no build) and says so.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { binaryDir, findBinaries } from './harness/index.js';

const run = promisify(execFile);
const script = path.join(import.meta.dirname, 'setup', 'build-control-plane.sh');

test('a second run of build-control-plane.sh finds the cached binaries and does nothing', async () => {
  findBinaries(); // fails, naming `make k8s-bin`, when the environment is not installed
  const { stdout } = await run('bash', [script], { timeout: 30_000 });
  expect(stdout).toContain(`is cached in ${binaryDir()}`);
  expect(stdout).toContain('nothing to do');
  expect(stdout).not.toContain('apt-get');
});

test('the build script is valid bash', async () => {
  await expect(run('bash', ['-n', script])).resolves.toBeDefined();
});

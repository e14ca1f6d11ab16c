/**
 * The README's command path is quiet (issue 10): `npx brokerctl ...` run by npm on an older
 * system Node prints an EBADENGINE warning on every call (the project needs Node 24, which
 * node_modules brings). The documented path puts the project's Node first on PATH, so npm
 * itself runs on Node 24 and prints nothing but the command's output.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { repoRoot } from '../../node/src/dev/index.js';
import { ensureBuilt } from '../cluster/support/ensure-built.js';

const root = repoRoot();
const EXPORT_LINE = 'export PATH="$PWD/node_modules/.bin:$PATH"';

/**
 * The environment of a user's shell: no npm script variables and no node_modules/.bin on
 * PATH (jest runs under `npm test`, which adds both).
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && v !== undefined) env[k] = v;
  }
  env['PATH'] = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((p) => !p.endsWith(join('node_modules', '.bin')))
    .join(delimiter);
  return env;
}

function shell(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd: root, env: userEnv(), timeout: 120_000 },
      (e, stdout, stderr) => {
        resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : 1, stdout, stderr });
      }
    );
  });
}

beforeAll(() => ensureBuilt(), 300_000);

describe("the README's brokerctl path", () => {
  it('prints only the command output, on Node 24', async () => {
    const r = await shell(`${EXPORT_LINE}; npx brokerctl --version && node --version`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const version = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(r.stdout).toMatch(new RegExp(`^brokerctl ${version.replace(/\./g, '\\.')}\\nv24\\.`));
  });

  it('is the path the README and the commands `make run` prints use', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const cli = readFileSync(join(root, 'docs', 'cli.md'), 'utf8');
    const demo = readFileSync(join(root, 'node', 'src', 'dev', 'local-cluster.ts'), 'utf8');
    for (const [name, text] of [
      ['README.md', readme],
      ['docs/cli.md', cli],
      ['local-cluster.ts', demo],
    ] as const) {
      const firstNpx = text.indexOf('npx brokerctl');
      expect([name, firstNpx >= 0]).toEqual([name, true]);
      // The PATH line comes before the first npx command.
      const exportAt = text.indexOf(EXPORT_LINE);
      expect([name, exportAt >= 0 && exportAt < firstNpx]).toEqual([name, true]);
    }
  });
});

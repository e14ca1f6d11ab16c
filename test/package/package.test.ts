/**
 * The client library as a package people install (issue 11): `npm pack` the checkout, install
 * the tarball into an empty directory, type-check a small program that imports the documented
 * entry points (`brokercluster/client`, `brokercluster/data`) with the project's tsc, and run
 * it against a real broker-node: callback and iterator subscriptions, `runs()` walked with the
 * re-exported `BinaryDecoder`, a byte string, and a store put/get.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type NodeProcess, freePort, repoRoot, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from '../cluster/support/ensure-built.js';

const root = repoRoot();
let work: string;
let node: NodeProcess;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end (bounded by `timeoutMs`), never throwing on a non-zero exit. */
function run(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: process.env },
      (e, stdout, stderr) => {
        const code = e === null ? 0 : typeof e.code === 'number' ? e.code : 1;
        resolve({ code, stdout, stderr: stderr + (e !== null && code === 1 ? String(e) : '') });
      }
    );
  });
}

const PROGRAM = `
import { BinaryDecoder, connect, data, type Message } from 'brokercluster/client';
import { type Data, fromJsonText, toJsonText } from 'brokercluster/data';

const server = process.argv[2];
if (server === undefined) throw new Error('usage: main.js HOST:PORT');
const guard = setTimeout(() => {
  console.error('timed out');
  process.exit(3);
}, 60_000);

const client = connect(server);
const viaCallback: string[] = [];
let gotAll!: () => void;
const all = new Promise<void>((resolve) => (gotAll = resolve));
const cb = client.subscribe('pkg/test', {
  callback: (error: Error | null, m: Message | undefined) => {
    if (error !== null || m === undefined) throw error ?? new Error('no message');
    viaCallback.push(toJsonText(m.data));
    if (viaCallback.length === 3) gotAll();
  },
});
const iter = client.subscribe(['pkg']);
await Promise.all([cb.ready(), iter.ready()]);

const bytes = data.string(new Uint8Array([0x66, 0x6f, 0xff, 0x00]));
await client.publish('pkg/test', [data.count(1), fromJsonText('{"@data-type":"string","data":"hi"}')]);
await client.publish('pkg/test', bytes);
await all;

const decoder = new BinaryDecoder();
const viaRuns: Data[] = [];
for await (const batch of iter.runs()) {
  for (const r of batch.runs) {
    let off = 0;
    for (const size of r.sizes) {
      viaRuns.push(decoder.decodeRange(r.data, off, off + size));
      off += size;
    }
  }
  if (viaRuns.length >= 3) break;
}

const store = client.store('demo');
await store.put(data.string('k'), data.count(7));
const v = await store.get(data.string('k'));
console.log(
  JSON.stringify({
    callback: viaCallback,
    runs: viaRuns.map((d) => toJsonText(d)),
    store: v === undefined ? null : toJsonText(v),
  })
);
cb.close();
iter.close();
client.close();
clearTimeout(guard);
`;

/** Wrong on purpose: with real declarations each line is a type error (`any` would pass). */
const MISUSE = `
import { connect, data } from 'brokercluster/client';
import { fromJsonText } from 'brokercluster/data';
// @ts-expect-error a count is not built from a string
data.count('1');
// @ts-expect-error subscribe takes topic prefixes, not a number
connect('127.0.0.1:1').subscribe(7);
// @ts-expect-error fromJsonText needs text
fromJsonText(1);
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    types: ['node'],
    outDir: 'out',
    skipLibCheck: false,
  },
  include: ['*.ts'],
};

beforeAll(async () => {
  ensureBuilt();
  // A dist/ from before declarations were emitted is older than no source: build again.
  if (!existsSync(join(root, 'dist', 'node', 'src', 'client', 'index.d.ts'))) {
    const b = await run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      root,
      300_000
    );
    if (b.code !== 0) throw new Error(`build failed:\n${b.stdout}${b.stderr}`);
  }
  work = mkdtempSync(join(tmpdir(), 'package-test-'));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  node = await spawnNode({
    id: 'pkg',
    args: ['--listen', `127.0.0.1:${await freePort()}`, '--data-dir', dataDir, '--stores', 'demo'],
  });
}, 600_000);

afterAll(async () => {
  if (node !== undefined) expect(await node.stop()).toBe(0);
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed library, installed into an empty project', () => {
  it('packs, installs, type-checks and runs against a real node', async () => {
    const pack = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
      root,
      120_000
    );
    expect(pack.code).toBe(0);
    const [info] = JSON.parse(pack.stdout) as Array<{
      filename: string;
      files: { path: string }[];
    }>;
    const files = info!.files.map((f) => f.path);
    // Declarations travel with the code; tests, benchmarks and source maps do not.
    expect(files).toContain('dist/node/src/client/index.d.ts');
    expect(files).toContain('dist/node/src/data/index.d.ts');
    expect(files).toContain('proto/broker/v1/client.proto');
    expect(
      files.filter((f) => /^(dist\/(test|bench)|test|bench)\//.test(f) || f.endsWith('.map'))
    ).toEqual([]);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' })
    );
    const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    // Scripts are skipped: the `node` package's installer is not needed, the program runs on
    // the Node running this test. @types/node is what a TypeScript user adds themselves.
    const install = await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        join(work, info!.filename),
        `@types/node@${own.devDependencies['@types/node']}`,
      ],
      app,
      300_000
    );
    expect(install).toMatchObject({ code: 0 });

    writeFileSync(join(app, 'main.ts'), PROGRAM);
    writeFileSync(join(app, 'misuse.ts'), MISUSE);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const tsc = await run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      app,
      300_000
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);

    const out = await run(process.execPath, [join(app, 'out', 'main.js'), node.grpc], app, 90_000);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as { callback: string[]; runs: string[]; store: string };
    const expected = [
      '{"@data-type":"count","data":1}',
      '{"@data-type":"string","data":"hi"}',
      '{"@data-type":"string","data":{"base64":"Zm//AA=="}}',
    ];
    expect(result.callback).toEqual(expected);
    expect(result.runs).toEqual(expected);
    expect(result.store).toBe('{"@data-type":"count","data":7}');

    // The programs travel in the package too.
    const ctl = join(app, 'node_modules', 'brokercluster', 'node', 'bin', 'brokerctl.js');
    const status = await run(
      process.execPath,
      [ctl, '--server', node.grpc, '--output', 'json', 'status'],
      app,
      60_000
    );
    expect(status.stderr).toBe('');
    expect(JSON.parse(status.stdout)).toMatchObject({ id: 'pkg' });
  }, 600_000);
});

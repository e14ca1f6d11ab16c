/**
 * brokerctl against a real node: `sub --control` subscribes and unsubscribes on the open
 * bidirectional stream (issue 10), and strings of any bytes go through `pub` and `sub` in
 * the JSON form `{"base64": ...}` (issue 11).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect, data } from '../../node/src/client/index.js';
import { type NodeProcess, brokerctlEntry, freePort, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect } from './support/mesh-client.js';
import { runCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

let node: NodeProcess;
let client: BrokerClient;

beforeAll(async () => {
  ensureBuilt();
  node = await spawnNode({ id: 'ctl', args: ['--listen', `127.0.0.1:${await freePort()}`] });
  client = connect(node.grpc);
}, 180_000);

afterAll(async () => {
  client?.close();
  if (node !== undefined) expect(await node.stop()).toBe(0);
});

/** A long-running brokerctl whose stdin the test writes. */
function interactive(args: readonly string[]): {
  write: (line: string) => void;
  out: () => string;
  err: () => string;
  result: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [brokerctlEntry(), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    })
  );
  return {
    write: (line) => child.stdin.write(line + '\n'),
    out: () => stdout,
    err: () => stderr,
    result,
  };
}

const filterOf = async (): Promise<string[]> =>
  (await client.status()).subscriptions.map((s) => s.topic).sort();

const pub = async (topic: string, n: number): Promise<void> => {
  expect(await client.publish(topic, data.count(n))).toBe(1);
};

describe('brokerctl sub --control', () => {
  it('subscribes and unsubscribes on the open stream; bad lines are reported and skipped', async () => {
    const sub = interactive(['--server', node.grpc, 'sub', 'ctl/a', 'ctl/b', '--control']);
    await waitFor(async () => (await filterOf()).join() === '/ctl/a,/ctl/b', 'the subscription');
    await pub('/ctl/a/x', 1);
    await pub('/ctl/b/x', 2);
    await waitFor(() => sub.out().split('\n').length > 2, 'the first two messages');

    sub.write('unsub ctl/a');
    await waitFor(() => sub.err().includes('subscribed to /ctl/b\n'), 'the unsubscribe');
    expect(await filterOf()).toEqual(['/ctl/b']);
    await pub('/ctl/a/y', 3); // no longer wanted
    await pub('/ctl/b/y', 4);

    sub.write('unsub /ctl/zzz');
    await waitFor(() => /control line 2: not subscribed to "\/ctl\/zzz"/.test(sub.err()), 'typo');
    sub.write('unsub ctl/b');
    await waitFor(() => /control line 3: cannot remove every topic/.test(sub.err()), 'last');
    sub.write('frobnicate x');
    await waitFor(() => /control line 4: unknown control "frobnicate"/.test(sub.err()), 'verb');
    sub.write('sub ctl/c ctl/b');
    await waitFor(() => sub.err().includes('subscribed to /ctl/b /ctl/c\n'), 'the new topic');
    await pub('/ctl/c/z', 5);

    sub.write('unsub ctl/b ctl/c');
    await waitFor(() => /control line 6: cannot remove every topic/.test(sub.err()), 'all');
    sub.write('sub ""');
    await waitFor(() => sub.err().includes('subscribed to "" /ctl/b /ctl/c\n'), 'everything');
    await pub('/other', 6);

    await waitFor(() => sub.out().trim().split('\n').length >= 5, 'all five messages', 30_000);
    const lines = sub
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { topic: string; data: number });
    expect(lines.map((l) => `${l.topic}=${l.data}`)).toEqual([
      '/ctl/a/x=1',
      '/ctl/b/x=2',
      '/ctl/b/y=4',
      '/ctl/c/z=5',
      '/other=6',
    ]);
    sub.write('unsub ""');
    // The second time this filter is confirmed.
    await waitFor(
      () => sub.err().split('subscribed to /ctl/b /ctl/c\n').length === 3,
      'the empty prefix removed'
    );
    expect(await filterOf()).toEqual(['/ctl/b', '/ctl/c']);
  }, 90_000);

  it('reports each confirmed filter as a JSON line with --output json; stdin may close', async () => {
    const sub = interactive([
      '--server',
      node.grpc,
      '--output',
      'json',
      'sub',
      'ctl/j',
      '--control',
      '--count',
      '1',
    ]);
    await waitFor(async () => (await filterOf()).includes('/ctl/j'), 'the subscription');
    sub.write('sub ctl/k');
    await waitFor(
      () => sub.out().includes('{"type":"filter","topics":["/ctl/j","/ctl/k"]}\n'),
      'k'
    );
    await pub('/ctl/k/1', 7);
    const r = await sub.result;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').slice(-1)).toEqual([
      '{"type":"data-message","topic":"/ctl/k/1","@data-type":"count","data":7}',
    ]);
  }, 60_000);

  it('applies to sub only', async () => {
    const r = await runCtl(['--server', node.grpc, 'status', '--control']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--control applies to sub only/);
  });
});

describe('brokerctl and byte strings', () => {
  it('pub and sub carry strings that are not UTF-8 in the {"base64"} form', async () => {
    const sub = client.subscribe('bytes');
    await sub.ready();
    const got = collect(sub, (_t, d) => d);
    const form = '{"@data-type":"string","data":{"base64":"/wBHRVQ="}}';
    const ctlSub = interactive(['--server', node.grpc, 'sub', 'bytes', '--count', '2']);
    await waitFor(
      async () => (await client.status()).subscriptions.find((s) => s.topic === '/bytes'),
      'the brokerctl subscription'
    );
    await waitFor(
      async () =>
        (await client.status()).subscriptions.find((s) => s.topic === '/bytes')?.subscribers === 2,
      'both subscribers'
    );
    const p = await runCtl(['--server', node.grpc, 'pub', 'bytes/x', form]);
    expect(p.code).toBe(0);
    // From the library too: the bytes arrive as bytes.
    await client.publish('/bytes/y', data.string(new Uint8Array([0xc3, 0x28])));
    const r = await ctlSub.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `{"type":"data-message","topic":"/bytes/x",${form.slice(1)}\n` +
        '{"type":"data-message","topic":"/bytes/y","@data-type":"string","data":{"base64":"wyg="}}\n'
    );
    await waitFor(() => got.items.length === 2, 'both values in the library');
    expect(got.items[0]).toEqual({
      kind: 'string',
      value: new Uint8Array([0xff, 0x00, 0x47, 0x45, 0x54]),
    });
    sub.close();
  }, 60_000);

  it('stdin that is not UTF-8 is refused, pointing at the base64 form', async () => {
    const r = await runCtl(
      ['--server', node.grpc, 'pub', 'bytes/z'],
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a])
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin line 1: not valid UTF-8 .*\{"base64":"\.\.\."\}/);
  });
});

import { type AddressInfo, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect } from '../../node/src/client/index.js';
import { type Mesh, freePort, spawnNode, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { waitForFilter, waitForMesh } from './support/mesh-client.js';
import { runCtl, startCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
let clients: BrokerClient[];
let a: string;
let b: string;

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['a', 'b'], ['--max-depth', '3']);
  clients = mesh.nodes.map((n) => connect(n.grpc));
  await waitForMesh(clients);
  a = mesh.nodes[0]!.grpc;
  b = mesh.nodes[1]!.grpc;
}, 120_000);

afterAll(async () => {
  for (const c of clients ?? []) c.close();
  await mesh?.stopAll();
});

describe('brokerctl', () => {
  it('status and peers, as text and as JSON', async () => {
    const st = await runCtl(['--server', a, 'status', '--output', 'json']);
    expect(st.code).toBe(0);
    const s = JSON.parse(st.stdout) as {
      id: string;
      security: string;
      peers: Array<{ id: string; state: string }>;
    };
    expect(s.id).toBe('a');
    expect(s.security).toBe('plaintext-loopback');
    expect(s.peers).toEqual([expect.objectContaining({ id: 'b', state: 'connected' })]);
    const text = await runCtl(['--server', b, 'status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^peer b .*security plaintext-loopback/);
    expect(text.stdout).toMatch(/\na +inbound/);
    const peers = await runCtl(['peers', '--output=json', '--server', b]);
    expect(peers.code).toBe(0);
    expect((JSON.parse(peers.stdout) as Array<{ id: string }>).map((p) => p.id)).toEqual(['a']);
  });

  it('sub prints one Broker-JSON object per message; pub takes arguments and stdin lines', async () => {
    const sub = startCtl(['--server', b, 'sub', '/cli', '--count', '4']);
    await waitForFilter(clients, 'b', '/cli');
    const p1 = await runCtl([
      '--server',
      a,
      'pub',
      '/cli/x',
      '{"@data-type":"count","data":1}',
      '{"@data-type":"string","data":"hi"}',
    ]);
    expect(p1.code).toBe(0);
    expect(p1.stderr).toMatch(/published 2 messages/);
    const p2 = await runCtl(
      ['--server', a, 'pub', '/cli/y'],
      '{"@data-type":"vector","data":[{"@data-type":"port","data":"80/tcp"},{"@data-type":"address","data":"10.0.0.1"}]}\n\n{"@data-type":"boolean","data":true}\n'
    );
    expect(p2.code).toBe(0);
    const r = await sub.result;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { type: 'data-message', topic: '/cli/x', '@data-type': 'count', data: 1 },
      { type: 'data-message', topic: '/cli/x', '@data-type': 'string', data: 'hi' },
      {
        type: 'data-message',
        topic: '/cli/y',
        '@data-type': 'vector',
        data: [
          { '@data-type': 'port', data: '80/tcp' },
          { '@data-type': 'address', data: '10.0.0.1' },
        ],
      },
      { type: 'data-message', topic: '/cli/y', '@data-type': 'boolean', data: true },
    ]);
  }, 30_000);

  it('exit codes: 2 for bad usage or input, 1 when the node refuses, 3 when it is unreachable', async () => {
    expect((await runCtl(['--server', a, 'frobnicate'])).code).toBe(2);
    expect((await runCtl(['--bogus', 'status'])).code).toBe(2);
    expect((await runCtl(['--server', a])).code).toBe(2);
    expect((await runCtl(['--server', a, 'status', 'extra'])).code).toBe(2);
    expect(
      (
        await runCtl([
          '--server',
          a,
          'pub',
          '/x',
          '--count',
          '1',
          '{"@data-type":"count","data":1}',
        ])
      ).code
    ).toBe(2);
    const badJson = await runCtl(['--server', a, 'pub', '/x', '{"@data-type":"count","data":-1}']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/argument 1/);
    const badLine = await runCtl(
      ['--server', a, 'pub', '/x'],
      '{"@data-type":"count","data":1}\nnot json\n'
    );
    expect(badLine.code).toBe(2);
    expect(badLine.stderr).toMatch(/stdin line 2/);
    expect(
      (await runCtl(['--server', a, 'pub', '/x//y', '{"@data-type":"count","data":1}'])).code
    ).toBe(2);
    const deep =
      '{"@data-type":"vector","data":[{"@data-type":"vector","data":[{"@data-type":"vector","data":[{"@data-type":"vector","data":[]}]}]}]}';
    const refused = await runCtl(['--server', a, 'pub', '/x', deep]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/max-depth/);
    const port = await freePort();
    const down = await runCtl(['--server', `127.0.0.1:${port}`, '--timeout-ms', '2000', 'status']);
    expect(down.code).toBe(3);
  }, 60_000);

  it('sub exits 3 when nothing confirms the subscription within --timeout-ms', async () => {
    // A listener that accepts TCP connections and never speaks HTTP/2.
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const r = await runCtl(['--server', `127.0.0.1:${port}`, '--timeout-ms', '500', 'sub', '/x']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/did not confirm the subscription within 500 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 30_000);

  it('sub exits 4 when the node ends the subscription', async () => {
    const port = await freePort();
    const node = await spawnNode({ id: 'solo', args: ['--listen', `127.0.0.1:${port}`] });
    const c = connect(node.grpc);
    const sub = startCtl(['--server', node.grpc, 'sub', '/end']);
    await waitFor(async () => (await c.status()).subscribers === 1, 'the subscription');
    c.close();
    expect(await node.stop()).toBe(0);
    const r = await sub.result;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/shutting down/);
  }, 30_000);
});

// Issue 10, defect 6 and "what Broker and NATS users reach for first": on main
// `--server host:99999` exited 3, `--version` and `pub --help` did not exist, `--output json`
// did not apply to pub, an unreachable node printed gRPC's long text, control characters
// from the input were printed raw, and a killed node read as "the node ended the
// subscription".
describe('brokerctl flags, help and messages', () => {
  it('--server with a bad port is bad usage (exit 2)', async () => {
    const r = await runCtl(['--server', '127.0.0.1:99999', 'status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--server: port 99999 is out of range/);
  });

  it('--version, and each command has its own --help', async () => {
    const v = await runCtl(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^brokerctl \d+\.\d+\.\d+\n$/);
    const pub = await runCtl(['pub', '--help']);
    expect(pub.code).toBe(0);
    expect(pub.stdout).toMatch(/^usage: brokerctl pub TOPIC/);
    expect(pub.stdout).not.toMatch(/--count/);
    const sub = await runCtl(['sub', '--help']);
    expect(sub.stdout).toMatch(/^usage: brokerctl sub TOPIC/);
    expect(sub.stdout).toMatch(/--count/);
  });

  it('pub honours --output json', async () => {
    const r = await runCtl([
      '--server',
      a,
      '--output',
      'json',
      'pub',
      'json/x',
      '{"@data-type":"count","data":1}',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ published: 1, topic: 'json/x' });
  });

  it('an unreachable node is one plain line', async () => {
    const port = await freePort();
    const r = await runCtl(['--server', `127.0.0.1:${port}`, '--timeout-ms', '2000', 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(`^brokerctl: status: cannot reach 127.0.0.1:${port}: [^\\n]+\\n$`)
    );
    expect(r.stderr).not.toMatch(/Resolution note/);
  });

  it('control characters from the input are escaped in messages', async () => {
    const r = await runCtl([
      '--server',
      a,
      'pub',
      'bad\u0007topic\u001b[31m',
      '{"@data-type":"count","data":1}',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(r.stderr).toMatch(/control character/);
  });

  it('sub reports a lost connection when the node is killed, not that the node ended it', async () => {
    const node = await spawnNode({
      id: 'victim',
      args: ['--listen', `127.0.0.1:${await freePort()}`],
    });
    const c = connect(node.grpc);
    const sub = startCtl(['--server', node.grpc, 'sub', '/killed']);
    await waitFor(async () => (await c.status()).subscribers === 1, 'the subscription');
    c.close();
    await node.kill();
    const r = await sub.result;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/lost the connection to the node/);
    expect(r.stderr).not.toMatch(/the node ended the subscription/);
  }, 30_000);
});

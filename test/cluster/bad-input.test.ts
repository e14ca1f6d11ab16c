import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import {
  type BrokerClient,
  BrokerClientError,
  type Data,
  connect,
  data,
  encodeData,
} from '../../node/src/client/index.js';
import {
  DEV_CLUSTER_SECRET,
  type NodeProcess,
  brokerNodeEntry,
  freePort,
  spawnNode,
} from '../../node/src/dev/index.js';
import type { BrokerClientClient } from '../../node/src/gen/broker/v1/BrokerClient.js';
import type { BrokerPeerClient } from '../../node/src/gen/broker/v1/BrokerPeer.js';
import type { EventRun } from '../../node/src/gen/broker/v1/EventRun.js';
import type { PeerFrame, PeerFrame__Output } from '../../node/src/gen/broker/v1/PeerFrame.js';
import { loadProtos, peerAuth } from '../../node/src/transport/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

let node: NodeProcess;
let client: BrokerClient;
let raw: BrokerClientClient;
const secret = new Uint8Array(Buffer.from(DEV_CLUSTER_SECRET, 'utf8'));

beforeAll(async () => {
  ensureBuilt();
  node = await spawnNode({
    id: 'm',
    args: [
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--http',
      `127.0.0.1:${await freePort()}`,
      '--max-message-bytes',
      '1024',
      '--max-batch-bytes',
      '65536',
      '--max-depth',
      '4',
      '--max-topic-length',
      '64',
      '--max-subscriptions',
      '3',
      '--max-subscribers',
      '4',
      '--max-subscriber-queue',
      '1000',
      '--subscriber-queue',
      '500',
    ],
  });
  client = connect(node.grpc);
  raw = new (loadProtos().broker.v1.BrokerClient)(node.grpc, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 1 << 24,
  });
}, 60_000);

afterAll(async () => {
  client?.close();
  raw?.close();
  expect(await node?.stop()).toBe(0);
});

function publishRaw(runs: EventRun[]): Promise<grpc.ServiceError | undefined> {
  return new Promise((resolve) =>
    raw.Publish({ runs }, { deadline: Date.now() + 5000 }, (e) => resolve(e ?? undefined))
  );
}

const one = (topic: string, d: Data = data.count(1)): EventRun => {
  const bytes = Buffer.from(encodeData(d));
  return { topic, data: bytes, sizes: [bytes.length] };
};

function nest(depth: number): Data {
  let d: Data = data.count(1);
  for (let i = 0; i < depth; i++) d = data.vector([d]);
  return d;
}

async function subscribeError(
  topics: string[],
  options: Parameters<BrokerClient['subscribe']>[1] = {}
): Promise<BrokerClientError> {
  const sub = client.subscribe(topics, options);
  try {
    await sub.ready();
  } catch (e) {
    return e as BrokerClientError;
  }
  sub.close();
  throw new Error(`subscribe ${topics.join(',')} was accepted`);
}

describe('bad input gets the documented error and never hurts the node', () => {
  it.each([
    ['/a//b', /empty segment/],
    ['a/', /ends with "\/"/],
    ['/a\nb', /control character/],
    ['', /empty/],
    ['/' + 'x'.repeat(64), /max-topic-length/],
    ['/', /no segments/],
  ])('publish to topic %j: INVALID_ARGUMENT', async (topic, message) => {
    const e = await publishRaw([one(topic)]);
    expect(e?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e?.details).toMatch(message);
  });

  it('publish of bytes that are not one valid value: INVALID_ARGUMENT', async () => {
    for (const bytes of [
      Buffer.from([0xff]),
      Buffer.from([]),
      Buffer.concat([Buffer.from(encodeData(data.count(1))), Buffer.from([0])]),
    ]) {
      const e = await publishRaw([{ topic: '/bad', data: bytes, sizes: [bytes.length] }]);
      expect(e?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(e?.details).toMatch(/not valid data/);
    }
  });

  it('a publish message that is not protobuf is refused and the node carries on', async () => {
    const bare = new grpc.Client(node.grpc, grpc.credentials.createInsecure());
    const send = (bytes: Buffer): Promise<grpc.ServiceError | undefined> =>
      new Promise((resolve) =>
        bare.makeUnaryRequest(
          '/broker.v1.BrokerClient/Publish',
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          { deadline: Date.now() + 5000 },
          (e) => resolve(e ?? undefined)
        )
      );
    try {
      // A run whose length runs past the end; a run sent as a varint; an 11-byte varint.
      for (const bytes of [
        Buffer.from([0x0a, 0x7f, 0x0a]),
        Buffer.from([0x08, 0x01]),
        Buffer.from([0x0a, 3, 0x20, ...new Array<number>(10).fill(0xff), 1]),
      ]) {
        const e = await send(bytes);
        expect(e?.code).toBe(grpc.status.INTERNAL);
      }
    } finally {
      bare.close();
    }
    expect(await publishRaw([one('/still/fine')])).toBeUndefined();
  });

  it('publish with sizes that do not partition the data, or a run without events: INVALID_ARGUMENT', async () => {
    const e1 = await publishRaw([{ topic: '/bad', data: Buffer.alloc(10), sizes: [4, 4] }]);
    expect(e1?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e1?.details).toMatch(/sizes add up to 8 bytes but data has 10/);
    const e2 = await publishRaw([{ topic: '/bad', data: Buffer.alloc(0), sizes: [] }]);
    expect(e2?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e2?.details).toMatch(/no events/);
  });

  it('an event over --max-message-bytes: RESOURCE_EXHAUSTED naming the limit', async () => {
    const e = await publishRaw([one('/big', data.string('x'.repeat(2000)))]);
    expect(e?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(e?.details).toMatch(/max-message-bytes/);
  });

  it('nesting deeper than --max-depth: INVALID_ARGUMENT naming the limit; at the limit is fine', async () => {
    expect(await publishRaw([one('/deep', nest(4))])).toBeUndefined();
    const e = await publishRaw([one('/deep', nest(5))]);
    expect(e?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e?.details).toMatch(/max-depth/);
  });

  it('a batch over --max-batch-bytes: RESOURCE_EXHAUSTED, naming the flag when it is near', async () => {
    const batch = (n: number) =>
      Array.from({ length: n }, () => one('/batch', data.string('y'.repeat(1000))));
    expect(await publishRaw(batch(60))).toBeUndefined(); // about 61 KiB of 64
    const near = await publishRaw(batch(70));
    expect(near?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(near?.details).toMatch(
      /publish batch of \d+ bytes is over 65536 \(limit max-batch-bytes\)/
    );
    // Far over: gRPC refuses it before reading it, with its own message.
    const far = await publishRaw(batch(200));
    expect(far?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(far?.details).toMatch(/larger than max/);
  });

  it('subscribe errors: no topics, bad topic, too many topics, too large a queue, too many subscribers', async () => {
    let e = await subscribeError([]);
    expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
    e = await subscribeError(['/ok', '/no//good']);
    expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e.message).toMatch(/empty segment/);
    e = await subscribeError(['/a', '/b', '/c', '/d']);
    expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(e.message).toMatch(/max-subscriptions/);
    e = await subscribeError(['/a'], { queueCapacity: 5000 });
    expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(e.message).toMatch(/max-subscriber-queue/);
    const held = [1, 2, 3, 4].map(() => client.subscribe(['/held']));
    await Promise.all(held.map((s) => s.ready()));
    e = await subscribeError(['/held']);
    expect(e.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(e.message).toMatch(/max-subscribers/);
    for (const s of held) s.close();
  });

  it('garbage on the peer link closes that link only', async () => {
    const peer: BrokerPeerClient = new (loadProtos().broker.v1.BrokerPeer)(
      node.grpc,
      grpc.credentials.createInsecure()
    );
    // The frames go out once the node's challenge is in; each Hello gets a valid proof (the
    // node's secret is the harness's), so what is tested is the frame after it.
    const attempt = (frames: PeerFrame[]): Promise<string> =>
      new Promise((resolve) => {
        const call = peer.Link();
        const seen: string[] = [];
        call.on('data', (f: PeerFrame__Output) => {
          seen.push(f.body ?? '?');
          if (f.body === 'goodbye') seen.push(f.goodbye?.reason ?? '');
          if (f.body !== 'challenge' || !f.challenge) return;
          const id = frames.find((x) => x.hello !== undefined)?.hello?.peer_id ?? 'a';
          call.write({ challenge: { nonce: peerAuth.makeNonce(), server_id: id } });
          for (const x of frames) {
            const h = x.hello;
            call.write(
              h === undefined
                ? x
                : {
                    hello: {
                      ...h,
                      proof: peerAuth.proveStream(
                        secret,
                        f.challenge.nonce,
                        id,
                        f.challenge.server_id
                      ),
                    },
                  }
            );
          }
        });
        call.on('error', () => resolve(seen.join(' ')));
        setTimeout(() => resolve(`no end after 5 s; saw: ${seen.join(' ')}`), 5000).unref();
        call.on('end', () => resolve(seen.join(' ')));
      });
    const hello = (id: string, version = 1): PeerFrame => ({
      hello: { peer_id: id, protocol_version: version, incarnation: 'x', initial_credit: 10 },
    });
    expect(await attempt([{ envelopes: { runs: [], seq: 1 } }])).toMatch(
      /goodbye .*envelopes before Hello/
    );
    expect(await attempt([hello('a', 99)])).toMatch(/protocol version 99 not supported/);
    expect(await attempt([hello('z')])).toMatch(/redundant link/);
    expect(await attempt([hello('a'), { envelopes: { runs: [], seq: 5 } }])).toMatch(
      /out of sequence/
    );
    expect(
      // The node grants its --peer-credit window (65536 by default); send one event more
      // (empty events, so the frame stays under this node's small message size limit).
      await attempt([
        hello('a'),
        {
          envelopes: {
            runs: [{ topic: '/x', data: Buffer.alloc(0), sizes: Array<number>(65537).fill(0) }],
            seq: 1,
          },
        },
      ])
    ).toMatch(/more events than it had credit/);
    expect(
      await attempt([hello('a'), { subscriptions: { topics: ['/ok', 'bad//'], version: 1 } }])
    ).toMatch(/empty segment/);
    peer.close();
    const s = await client.status();
    expect(s.id).toBe('m');
  });

  it('a dialed peer that never says Hello has its calls cancelled, not left open', async () => {
    // A BrokerPeer server that accepts Link calls and stays silent.
    const silent = new grpc.Server();
    const calls: Array<{ cancelled: boolean }> = [];
    silent.addService(loadProtos().broker.v1.BrokerPeer.service, {
      Link: (call: grpc.ServerDuplexStream<PeerFrame__Output, PeerFrame>) => {
        const c = { cancelled: false };
        calls.push(c);
        call.on('cancelled', () => (c.cancelled = true));
        call.on('data', () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      silent.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p)
      )
    );
    // 'a' < 'z', so the node dials the silent peer.
    const dialer = await spawnNode({
      id: 'a',
      args: ['--listen', `127.0.0.1:${await freePort()}`, '--peers', `z=127.0.0.1:${port}`],
    });
    try {
      await waitFor(() => calls[0]?.cancelled, 'the first Link call to be cancelled', 20_000);
    } finally {
      expect(await dialer.stop()).toBe(0);
      silent.forceShutdown();
    }
  }, 40_000);

  // Issue 10, defect 6: this logged `level: error` "Premature close" (a node fault) for what
  // is the client's mistake.
  it('a malformed PublishStream message is refused and logged as a warning', async () => {
    const gc = new grpc.Client(node.grpc, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        const call = gc.makeClientStreamRequest(
          '/broker.v1.BrokerClient/PublishStream',
          (b: Buffer) => b,
          (b: Buffer) => b,
          (e) => resolve(e)
        );
        // Field 1 (runs), length 100, but only two bytes follow.
        call.write(Buffer.from([0x0a, 0x64, 0x01, 0x02]));
        call.end();
      });
      // gRPC answers first ("Error deserializing request"); the node only logs.
      expect(err?.code).toBe(grpc.status.INTERNAL);
      await waitFor(
        () => node.logs.some((l) => l.includes('publish stream broken by the client')),
        'the warning'
      );
      const line = node.logs.find((l) => l.includes('publish stream broken by the client'))!;
      expect(JSON.parse(line)).toMatchObject({ level: 'warn' });
      expect(node.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    } finally {
      gc.close();
    }
  });

  it('counts rejected requests by limit in metrics', async () => {
    const m = await scrape(node.http!);
    expect(sumOf(m, 'broker_rejected_requests_total', { limit: 'max-message-bytes' })).toBe(1);
    expect(sumOf(m, 'broker_rejected_requests_total', { limit: 'max-depth' })).toBe(1);
    expect(sumOf(m, 'broker_rejected_requests_total', { limit: 'topic' })).toBeGreaterThanOrEqual(
      6
    );
  });
});

const garbage = join(mkdtempSync(join(tmpdir(), 'broker-bad-')), 'garbage.pem');
writeFileSync(garbage, 'this is not PEM\n');

describe('bad flags and environment: a clear error and exit 2', () => {
  const run = (
    args: string[],
    env: Record<string, string> = {}
  ): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [brokerNodeEntry(), ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...env },
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('exit', (code) => {
        clearTimeout(t);
        resolve({ code, stderr });
      });
    });

  it.each([
    [['--id', 'x', '--bogus'], {}, /unknown flag --bogus/],
    [['--listen', '127.0.0.1:0'], {}, /--id is required/],
    [['--id', 'x', '--listen', '127.0.0.1:99999'], {}, /out of range/],
    [['--id', 'x', '--listen', 'nohostport'], {}, /expected HOST:PORT/],
    [['--id', 'x', '--listen', '0.0.0.0:0'], {}, /not a loopback address.*--insecure/],
    [['--id', 'x', '--max-depth', 'abc'], {}, /--max-depth: expected an integer/],
    [['--id', 'x'], { BROKER_MAX_DEPTH: '0' }, /BROKER_MAX_DEPTH \(--max-depth\): must be >= 1/],
    [['--id', 'x', '--peers', 'a:1'], {}, /--peers: expected id=HOST:PORT/],
    [
      ['--id', 'x', '--overflow-policy', 'maybe'],
      {},
      /must be one of block, drop-oldest, disconnect/,
    ],
    [['--id', 'x', '--tls-cert', '/nonexistent.pem'], {}, /--tls-cert and --tls-key go together/],
    [
      ['--id', 'x', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key'],
      {},
      /--tls-cert \/nonexistent.pem/,
    ],
    [['--id', 'bad id'], {}, /invalid id/],
    [
      ['--id', 'x', '--tls-cert', garbage, '--tls-key', garbage],
      {},
      /not a usable certificate and key/,
    ],
    // Issue 10, defect 1: a node with peers needs a way for them to prove their ids.
    [
      ['--id', 'x', '--peers', 'a=127.0.0.1:1'],
      {},
      /peers are configured but cannot prove their ids/,
    ],
    // Issue 10, defect 6: inconsistent flags were silently accepted.
    [['--id', 'x', '--id', 'y'], {}, /--id given more than once/],
    [
      ['--id', 'x', '--listen', '127.0.0.1:7000', '--http', '127.0.0.1:7000'],
      {},
      /both use port 7000/,
    ],
    [
      ['--id', 'x', '--insecure-peers', '--peers', 'a=127.0.0.1:1,b=127.0.0.1:1'],
      {},
      /a and b have the same address/,
    ],
    [
      [
        '--id',
        'x',
        '--listen',
        '127.0.0.1:7000',
        '--insecure-peers',
        '--peers',
        'x=127.0.0.1:7001',
      ],
      {},
      /gives this node \(x\) the address 127.0.0.1:7001/,
    ],
    [['--id', 'x', '--data-dir', garbage], {}, /--data-dir .*garbage.pem: not a directory/],
    [
      ['--id', 'x', '--data-dir', join(garbage, 'sub')],
      {},
      /--data-dir .*: .*garbage.pem is not a directory/,
    ],
  ])('broker-node %j', async (args, env, message) => {
    const r = await run(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  // Issue 10, defect 6: a port in use exited 1 with a stray gRPC log line.
  it.each(['--listen', '--http'])('a %s port in use: exit 2, one plain line', async (flag) => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const args = ['--id', 'x', flag, `127.0.0.1:${port}`];
      if (flag === '--http') args.push('--listen', `127.0.0.1:${await freePort()}`);
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`broker-node: ${flag} 127.0.0.1:${port}: address already in use\n`);
    } finally {
      busy.close();
    }
  });
});

// Issue 10, defect 4: on main invalid UTF-8 in topics (raw Publish/Subscribe, brokerctl
// arguments) and in string values on brokerctl's stdin was silently replaced by U+FFFD, and a
// protobuf string that claimed more bytes than the message held was read as a shorter string.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { type BrokerClient, connect, data, encodeData } from '../../node/src/client/index.js';
import { type NodeProcess, brokerctlEntry, freePort, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect } from './support/mesh-client.js';
import { runCtl } from './support/run-ctl.js';
import { waitFor } from './support/wait-for.js';

let node: NodeProcess;
let client: BrokerClient;
let raw: grpc.Client;

beforeAll(async () => {
  ensureBuilt();
  node = await spawnNode({ id: 's', args: ['--listen', `127.0.0.1:${await freePort()}`] });
  client = connect(node.grpc);
  raw = new grpc.Client(node.grpc, grpc.credentials.createInsecure());
}, 180_000);

afterAll(async () => {
  client?.close();
  raw?.close();
  expect(await node.stop()).toBe(0);
});

/** A length-delimited protobuf field. */
function ld(field: number, body: Uint8Array): Buffer {
  if (body.length > 127) throw new Error('test helper: short fields only');
  return Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
}

function unary(method: string, body: Buffer): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => {
    raw.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (e) => resolve(e)
    );
  });
}

function subscribeRaw(body: Buffer): Promise<grpc.ServiceError | 'confirmed'> {
  return new Promise((resolve) => {
    const call = raw.makeServerStreamRequest(
      '/broker.v1.BrokerClient/Subscribe',
      (b: Buffer) => b,
      (b: Buffer) => b,
      body
    );
    call.on('data', () => {
      call.cancel();
      resolve('confirmed');
    });
    call.on('error', (e: grpc.ServiceError) => resolve(e));
  });
}

describe('malformed and non-UTF-8 input is refused, never repaired', () => {
  it('Publish with a topic that is not UTF-8 is refused and delivers nothing', async () => {
    const sub = client.subscribe(['']);
    await sub.ready();
    const got = collect(sub, (t) => t);
    const event = encodeData(data.count(1));
    const run = (topic: Buffer): Buffer =>
      ld(1, Buffer.concat([ld(1, topic), ld(2, event), Buffer.from([0x18, event.length])]));
    const bad = await unary(
      '/broker.v1.BrokerClient/Publish',
      run(Buffer.from([0x2f, 0x61, 0xff]))
    );
    expect(bad).not.toBeNull();
    // The same bytes with a valid topic go through: the refusal was the topic.
    expect(await unary('/broker.v1.BrokerClient/Publish', run(Buffer.from('/ok')))).toBeNull();
    await waitFor(() => got.items.length === 1, 'the valid event');
    expect(got.items).toEqual(['/ok']);
    sub.close();
  });

  it('Subscribe with a topic that is not UTF-8, or a string longer than its message, is refused', async () => {
    expect(await subscribeRaw(ld(1, Buffer.from('/fine')))).toBe('confirmed');
    const notUtf8 = await subscribeRaw(ld(1, Buffer.from([0x2f, 0xc3, 0x28])));
    expect(notUtf8).not.toBe('confirmed');
    // Field 1 claims 16 bytes; two follow.
    const overrun = await subscribeRaw(Buffer.from([0x0a, 0x10, 0x2f, 0x61]));
    expect(overrun).not.toBe('confirmed');
    expect((await client.status()).subscribers).toBe(0);
  });

  it('brokerctl refuses a topic argument and a stdin line that are not UTF-8', async () => {
    // Arguments with raw bytes need a shell: spawn() takes JavaScript strings only.
    let code = 0;
    let stderr = '';
    try {
      execFileSync(
        'bash',
        [
          '-c',
          `exec "$0" "$1" --server "$2" pub $'/bad\\xff' '{"@data-type":"count","data":1}'`,
          process.execPath,
          brokerctlEntry(),
          node.grpc,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] }
      );
    } catch (e) {
      code = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(code).toBe(2);
    expect(stderr).toMatch(/U\+FFFD/);
    const line = Buffer.concat([
      Buffer.from('{"@data-type":"string","data":"a'),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
    ]);
    const r = await runCtl(['--server', node.grpc, 'pub', '/bad'], line);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin line 1: not valid UTF-8/);
  });
});

/**
 * The watch's resume logic over real grpc-js streams: an in-process server plays a script
 * per stream (the node's side is not under test here; test/cluster/store-cli.test.ts runs the
 * real one), so the client's handling of grpc-js's stream, status and cancel is exercised.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  type StoreEvent,
  WatchCompactedError,
  connect,
  data,
  encodeData,
} from '../../node/src/client/index.js';
import type { BrokerStoreHandlers } from '../../node/src/gen/broker/v1/BrokerStore.js';
import type { WatchRequest__Output } from '../../node/src/gen/broker/v1/WatchRequest.js';
import type { WatchResponse } from '../../node/src/gen/broker/v1/WatchResponse.js';
import { loadProtos } from '../../node/src/transport/proto.js';

type Stream = grpc.ServerWritableStream<WatchRequest__Output, WatchResponse>;

let server: grpc.Server;
let client: BrokerClient;
/** What the server does with the n-th Watch call it gets. */
let script: Array<(call: Stream) => void> = [];
const requests: WatchRequest__Output[] = [];

const ev = (index: number, n: number): NonNullable<WatchResponse['events']>[number] => ({
  type: 'STORE_EVENT_TYPE_INSERT',
  key: Buffer.from(encodeData(data.count(n))),
  value: Buffer.from(encodeData(data.string(`v${n}`))),
  index: String(index),
  publisher: 'a',
});

beforeAll(async () => {
  server = new grpc.Server();
  const handlers: Partial<BrokerStoreHandlers> = {
    Watch: (call) => {
      requests.push(call.request);
      const step = script[requests.length - 1];
      if (step === undefined)
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'no script' });
      else step(call);
    },
  };
  server.addService(
    loadProtos().broker.v1.BrokerStore.service,
    handlers as grpc.UntypedServiceImplementation
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p)
    )
  );
  client = connect(`127.0.0.1:${port}`);
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
});

describe('store watch over grpc-js', () => {
  it('resumes after the node fails the stream, then ends on close()', async () => {
    requests.length = 0;
    script = [
      (call) => {
        call.write({ created: true, through_index: '4', events: [] });
        call.write({ events: [ev(5, 1), ev(5, 2)], through_index: '4' });
        // The node fails the stream in the middle of index 5.
        setImmediate(() =>
          call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'leader moved' })
        );
      },
      (call) => {
        call.write({ created: true, through_index: '4', events: [] });
        call.write({ events: [ev(5, 1), ev(5, 2), ev(5, 3)], through_index: '5' });
        call.write({ events: [ev(6, 4)], through_index: '6' });
        // Stays open: the client closes it.
      },
    ];
    const w = client.store('s').watch({ fromIndex: 5n, backoffBaseMs: 1 });
    const got: StoreEvent[] = [];
    for await (const e of w) {
      got.push(e);
      if (got.length === 4) w.close();
    }
    expect(got.map((e) => `${e.index}:${(e.key as { value: bigint }).value}`)).toEqual([
      '5:1',
      '5:2',
      '5:3',
      '6:4',
    ]);
    expect(got[3]).toEqual(expect.objectContaining({ type: 'insert', value: data.string('v4') }));
    expect(requests.map((r) => [r.store, r.from_index])).toEqual([
      ['s', '5'],
      ['s', '5'],
    ]);
    // Closed while handing out index 6's event, before that message's through_index: only 5
    // is known complete (a resume would start inside index 6 and skip the delivered event).
    expect(w.completeIndex).toBe(5n);
  });

  it('OUT_OF_RANGE from the node is WatchCompactedError', async () => {
    requests.length = 0;
    script = [
      (call) =>
        call.emit('error', {
          code: grpc.status.OUT_OF_RANGE,
          details: 'compacted; oldest retained index 90',
        }),
    ];
    const w = client.store('s').watch({ fromIndex: 3n });
    const err = await (async () => {
      for await (const _ of w) return undefined;
      return undefined;
    })().then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(WatchCompactedError);
    expect((err as WatchCompactedError).oldestIndex).toBe(90n);
  });
});

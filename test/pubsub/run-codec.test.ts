import { describe, expect, it } from '@jest/globals';
import * as protoLoader from '@grpc/proto-loader';
import {
  WireDecodeError,
  decodeDelivery,
  decodeEnvelopeFrame,
  decodePublishRequest,
  encodeDelivery,
  encodeEnvelopeFrame,
  encodePublishRequest,
} from '../../node/src/transport/run-codec.js';
import { protoRoot } from '../../node/src/transport/index.js';

// The reference: protobufjs through proto-loader with the node's options, untouched by the
// hand-written codec (loaded separately from the node's cached definition).
const def = protoLoader.loadSync(['broker/v1/client.proto', 'broker/v1/peer.proto'], {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoRoot()],
});
type M = protoLoader.MethodDefinition<object, object>;
const client = def['broker.v1.BrokerClient'] as unknown as Record<string, M>;
const link = (def['broker.v1.BrokerPeer'] as unknown as Record<string, M>)['Link'] as M;
const publish = client['PublishStream'] as M;
const subscribe = client['Subscribe'] as M;

function run(
  topic: string,
  events: number[],
  time: string
): {
  topic: string;
  data: Buffer;
  sizes: number[];
  publish_time_unix_ns: string;
} {
  const total = events.reduce((a, b) => a + b, 0);
  const data = Buffer.alloc(total);
  for (let i = 0; i < total; i++) data[i] = (i * 31) & 0xff;
  return { topic, data, sizes: events, publish_time_unix_ns: time };
}

const RUNS = [
  run('/bench/conn', [62, 62, 63], '1764201234567890123'),
  run('/ünïcode/topic', [1, 127, 128, 300, 70000], '-5'),
  run('/zero-time', [5], '0'),
  run('/max', [2], '9223372036854775807'),
];

describe('run codec', () => {
  it('encodes PublishRequest byte for byte like protobufjs and decodes its bytes', () => {
    const msg = { runs: RUNS };
    const ours = encodePublishRequest(msg);
    const ref = publish.requestSerialize(msg);
    // protobufjs also writes fields set to their default ('0'); proto3 reads both the same.
    expect(publish.requestDeserialize(ours)).toEqual(publish.requestDeserialize(ref));
    expect(decodePublishRequest(ref)).toEqual(publish.requestDeserialize(ref));
    expect(decodePublishRequest(ours)).toEqual(publish.requestDeserialize(ref));
    const plain = { runs: [RUNS[0]!, RUNS[3]!] };
    expect(encodePublishRequest(plain).equals(publish.requestSerialize(plain))).toBe(true);
  });

  it('encodes Delivery (runs, counters, ack, topics) like protobufjs', () => {
    const msgs = [
      { runs: RUNS, dropped_total: 7, dropped_since_last: '18446744073709551615' },
      { runs: [], ack: true, topics: ['/a', '/b/c'], dropped_total: '0' },
      { runs: [RUNS[0]!], dropped_total: 2 ** 40, dropped_since_last: 1 },
    ];
    for (const m of msgs) {
      const ours = encodeDelivery(m);
      const ref = subscribe.responseSerialize(m);
      expect(subscribe.responseDeserialize(ours)).toEqual(subscribe.responseDeserialize(ref));
      expect(decodeDelivery(ref)).toEqual(subscribe.responseDeserialize(ref));
    }
  });

  it('encodes envelope frames like protobufjs and leaves other frames to it', () => {
    const frame = { envelopes: { runs: RUNS, seq: 123456789012 } };
    const ours = encodeEnvelopeFrame(frame.envelopes);
    const ref = link.requestSerialize(frame);
    expect(link.requestDeserialize(ours)).toEqual(link.requestDeserialize(ref));
    expect(decodeEnvelopeFrame(ref)).toEqual(link.requestDeserialize(ref));
    const credit = link.requestSerialize({ credit: { events: 5 } });
    expect(decodeEnvelopeFrame(credit)).toBeUndefined();
  });

  it('reads unpacked sizes and skips unknown fields', () => {
    // EventRun{topic:"/t", data:"ab", sizes:1 (unpacked), sizes:1 (unpacked), field 9: varint 3}
    const runBytes = Buffer.from([
      0x0a, 2, 0x2f, 0x74, 0x12, 2, 0x61, 0x62, 0x18, 1, 0x18, 1, 0x48, 3,
    ]);
    const req = Buffer.concat([Buffer.from([0x0a, runBytes.length]), runBytes]);
    const got = decodePublishRequest(req);
    expect(got.runs[0]?.sizes).toEqual([1, 1]);
    expect(got.runs[0]?.topic).toBe('/t');
    expect(got).toEqual(publish.requestDeserialize(req));
  });

  it('rejects truncated and mistyped input with WireDecodeError', () => {
    const good = encodePublishRequest({ runs: [RUNS[0]!] });
    for (let cut = 1; cut < 20; cut++) {
      expect(() => decodePublishRequest(good.subarray(0, good.length - cut))).toThrow(
        WireDecodeError
      );
    }
    // runs (field 1) sent as a varint
    expect(() => decodePublishRequest(Buffer.from([0x08, 1]))).toThrow(/wire type 0, expected 2/);
    // a length far beyond the input
    expect(() => decodeDelivery(Buffer.from([0x0a, 0xff, 0xff, 0x03]))).toThrow(/beyond/);
    // an 11-byte varint
    const long = Buffer.from([0x10, ...new Array<number>(10).fill(0xff), 1]);
    expect(() => decodeDelivery(long)).toThrow(/longer than 10 bytes/);
  });
});

/**
 * Micro benchmark of the data codecs on the pub/sub hot path: a 5-field conn-log-like vector
 * (count, ~20-character string, address, port, timestamp), as in broker-throughput's
 * message type 2. Prints encode and decode operations per second.
 *
 *   node dist/bench/data-bench.js [--seconds 2] [--json]
 */
import {
  BinaryDecoder,
  BinaryEncoder,
  data,
  decodeData,
  encodeData,
} from '../node/src/data/index.js';
import type { Data } from '../node/src/data/index.js';

function parseArgs(argv: readonly string[]): { seconds: number; json: boolean } {
  let seconds = 2;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0 || v > 600)
        throw new Error('--seconds needs a number in (0, 600]');
      seconds = v;
    } else if (a === '--json') json = true;
    else throw new Error(`unknown argument ${String(a)}; usage: data-bench [--seconds N] [--json]`);
  }
  return { seconds, json };
}

function connLog(i: number): Data {
  return data.vector([
    data.count(BigInt(i)),
    data.string(`CHhAvVGS1DHFjwGM${(i % 10000).toString().padStart(4, '0')}`),
    data.address(`10.0.${(i >> 8) & 0xff}.${i & 0xff}`),
    data.port(443 + (i % 1000), 'tcp'),
    data.timestamp(1_700_000_000_000_000_000n + BigInt(i)),
  ]);
}

/** Runs `fn` in batches for about `seconds` and returns operations per second. */
function measure(seconds: number, batch: number, fn: (i: number) => void): number {
  // Warm-up so the JIT has settled before timing.
  for (let i = 0; i < batch * 20; i++) fn(i);
  let ops = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) fn(ops + i);
    ops += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  return ops / (Number(elapsed) / 1e9);
}

function main(): void {
  const { seconds, json } = parseArgs(process.argv.slice(2));
  const values = Array.from({ length: 1024 }, (_, i) => connLog(i));
  const encoded = values.map((v) => encodeData(v));
  const enc = new BinaryEncoder();
  const dec = new BinaryDecoder();
  let sink = 0;
  const encodeOps = measure(seconds, 10_000, (i) => {
    sink += enc.encode(values[i & 1023] as Data).length;
  });
  const decodeOps = measure(seconds, 10_000, (i) => {
    const v = dec.decode(encoded[i & 1023] as Uint8Array);
    if (v.kind === 'vector') sink += v.elements.length;
  });
  const roundTripOps = measure(seconds, 10_000, (i) => {
    const v = decodeData(enc.encode(values[i & 1023] as Data));
    if (v.kind === 'vector') sink += v.elements.length;
  });
  const result = {
    value: 'conn-log vector(count, string[20], address, port, timestamp)',
    encodedBytes: encoded[0]?.length ?? 0,
    encodeOpsPerSec: Math.round(encodeOps),
    decodeOpsPerSec: Math.round(decodeOps),
    roundTripOpsPerSec: Math.round(roundTripOps),
  };
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`data-bench: ${result.value}, ${result.encodedBytes} bytes encoded`);
    console.log(`  encode      ${result.encodeOpsPerSec.toLocaleString('en-US')} ops/s`);
    console.log(`  decode      ${result.decodeOpsPerSec.toLocaleString('en-US')} ops/s`);
    console.log(`  round trip  ${result.roundTripOpsPerSec.toLocaleString('en-US')} ops/s`);
  }
  if (sink === -1) console.log('unreachable');
}

main();

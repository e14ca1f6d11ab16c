/**
 * Micro benchmark of the data codecs on the pub/sub hot path: a 5-field conn-log-like vector
 * (count, 20-character string, address, port, timestamp), as in broker-throughput's message
 * type 2. Prints operations per second for encode, decode, validate and a round trip, as the median
 * and best of several rounds (the best is the least disturbed by other load on the machine).
 *
 *   node dist/bench/data-bench.js [--seconds 1] [--rounds 5] [--json]
 */
import { BinaryDecoder, BinaryEncoder, data, encodeData } from '../node/src/data/index.js';
import type { Data } from '../node/src/data/index.js';

interface Options {
  readonly seconds: number;
  readonly rounds: number;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let seconds = 1;
  let rounds = 5;
  let json = false;
  const usage = 'usage: data-bench [--seconds N (0..60]] [--rounds N (1..50)] [--json]';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') {
      seconds = Number(argv[++i]);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60) throw new Error(usage);
    } else if (a === '--rounds') {
      rounds = Number(argv[++i]);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error(usage);
    } else if (a === '--json') json = true;
    else throw new Error(`unknown argument ${String(a)}; ${usage}`);
  }
  return { seconds, rounds, json };
}

const SAMPLES = 1024;

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
function measure(seconds: number, fn: (i: number) => void): number {
  const batch = 10_000;
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

interface Figure {
  readonly median: number;
  readonly best: number;
}

function rounds(opts: Options, fn: (i: number) => void): Figure {
  // Warm-up so the JIT has settled before timing.
  measure(Math.min(0.5, opts.seconds), fn);
  const xs: number[] = [];
  for (let r = 0; r < opts.rounds; r++) xs.push(measure(opts.seconds, fn));
  xs.sort((a, b) => a - b);
  return { median: Math.round(xs[xs.length >> 1] ?? 0), best: Math.round(xs[xs.length - 1] ?? 0) };
}

function main(): void {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
    return;
  }
  const values = Array.from({ length: SAMPLES }, (_, i) => connLog(i));
  // Each value in its own buffer, and all values in one buffer as frames read from a socket.
  const separate = values.map((v) => encodeData(v));
  const shared = new Uint8Array(separate.reduce((n, b) => n + b.length, 0));
  const frames: Uint8Array[] = [];
  let offset = 0;
  for (const b of separate) {
    shared.set(b, offset);
    frames.push(shared.subarray(offset, offset + b.length));
    offset += b.length;
  }
  const enc = new BinaryEncoder();
  const dec = new BinaryDecoder();
  const payloads = Array.from({ length: SAMPLES }, (_, i) => `${i}`.padStart(100, 'x'));
  const hand = Buffer.allocUnsafeSlow(256);
  let sink = 0;
  const at = <T>(xs: readonly T[], i: number): T => xs[i & (SAMPLES - 1)] as T;
  const count = (v: Data): number => (v.kind === 'vector' ? v.elements.length : 0);
  const figures = {
    encode: rounds(opts, (i) => {
      sink += enc.encode(at(values, i)).length;
    }),
    decodeFrames: rounds(opts, (i) => {
      sink += count(dec.decode(at(frames, i)));
    }),
    validateFrames: rounds(opts, (i) => {
      const b = at(frames, i);
      dec.validate(b);
      sink += b.length;
    }),
    decodeSeparate: rounds(opts, (i) => {
      sink += count(dec.decode(at(separate, i)));
    }),
    roundTrip: rounds(opts, (i) => {
      sink += count(dec.decode(enc.encode(at(values, i))));
    }),
    // The library's value path for a 100-byte payload carried as a string (issue 11) against
    // writing the same bytes by hand (tag, one-byte length, the characters).
    stringValue: rounds(opts, (i) => {
      sink += enc.encode(data.string(at(payloads, i))).length;
    }),
    stringByHand: rounds(opts, (i) => {
      const p = at(payloads, i);
      hand[0] = 5;
      hand[1] = p.length;
      sink += hand.write(p, 2, 'latin1');
    }),
  };
  const result = {
    value: 'conn-log vector(count, string[20], address, port, timestamp)',
    encodedBytes: separate[0]?.length ?? 0,
    secondsPerRound: opts.seconds,
    rounds: opts.rounds,
    opsPerSec: figures,
  };
  if (opts.json) {
    console.log(JSON.stringify(result));
  } else {
    const fmt = (n: number): string => n.toLocaleString('en-US').padStart(11);
    console.log(`data-bench: ${result.value}, ${result.encodedBytes} bytes encoded`);
    console.log(
      `  ${`ops/s, ${opts.rounds} rounds of ${opts.seconds}s`.padEnd(34)} ${'median'.padStart(11)} ${'best'.padStart(11)}`
    );
    const rows: [string, Figure][] = [
      ['encode (reused buffer)', figures.encode],
      ['decode (frames in one buffer)', figures.decodeFrames],
      ['validate (frames, no values)', figures.validateFrames],
      ['decode (one buffer per value)', figures.decodeSeparate],
      ['encode + decode', figures.roundTrip],
      ['string[100]: data.string + encode', figures.stringValue],
      ['string[100]: by hand (no checks)', figures.stringByHand],
    ];
    for (const [name, f] of rows)
      console.log(`  ${name.padEnd(34)} ${fmt(f.median)} ${fmt(f.best)}`);
  }
  if (sink === -1) console.log('unreachable');
}

main();

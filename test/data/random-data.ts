/** A seeded generator of random `Data` values for the fuzz round trips. */
import { data, dataEquals } from '../../node/src/data/index.js';
import type { Data, PortProtocol } from '../../node/src/data/index.js';

/** A small deterministic PRNG (mulberry32): the same seed gives the same values. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  u64(): bigint {
    return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
  }
}

const EDGE_REALS = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  1.5,
  -2.25,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  1e-300,
];
const PROTOCOLS: readonly PortProtocol[] = ['unknown', 'tcp', 'udp', 'icmp'];
const CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '\n',
  '\u0000',
  'é',
  '€',
  '\u{1F600}',
  '\uFFFF',
  '\uE000',
  '\u{10FFFF}',
];

function randomString(rng: Rng): string {
  const n = rng.int(rng.next() < 0.1 ? 200 : 12);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(CHARS);
  return s;
}

function randomScalar(rng: Rng): Data {
  switch (rng.int(12)) {
    case 0:
      return data.none();
    case 1:
      return data.boolean(rng.next() < 0.5);
    case 2:
      return data.count(rng.next() < 0.3 ? BigInt(rng.int(300)) : rng.u64());
    case 3:
      return data.integer(BigInt.asIntN(64, rng.u64()));
    case 4:
      return data.real(
        rng.next() < 0.4 ? rng.pick(EDGE_REALS) : (rng.next() - 0.5) * 2 ** rng.int(200)
      );
    case 5:
      // Broker strings are byte strings: some are random bytes (mostly not UTF-8).
      return rng.next() < 0.15
        ? data.string(rng.bytes(1 + rng.int(12)))
        : data.string(randomString(rng));
    case 6:
      return data.address(rng.next() < 0.5 ? rng.bytes(4) : rng.bytes(16));
    case 7: {
      const v4 = rng.next() < 0.5;
      return data.subnet(rng.bytes(v4 ? 4 : 16), rng.int(v4 ? 33 : 129));
    }
    case 8:
      return data.port(rng.int(65536), rng.pick(PROTOCOLS));
    case 9:
      return data.timestamp(BigInt.asIntN(64, rng.u64()));
    case 10:
      return data.timespan(BigInt.asIntN(64, rng.u64()));
    default:
      return data.enumValue(randomString(rng));
  }
}

/** A random value nesting at most `depth` containers. */
export function randomData(rng: Rng, depth: number): Data {
  if (depth <= 0 || rng.next() < 0.5) return randomScalar(rng);
  const n = rng.int(6);
  const elems = (): Data[] => Array.from({ length: n }, () => randomData(rng, depth - 1));
  switch (rng.int(3)) {
    case 0:
      return data.set(elems());
    case 1: {
      const entries: [Data, Data][] = [];
      for (let i = 0; i < n; i++) {
        const k = randomData(rng, depth - 1);
        if (!entries.some(([x]) => dataEquals(x, k))) entries.push([k, randomData(rng, depth - 1)]);
      }
      return data.table(entries);
    }
    default:
      return data.vector(elems());
  }
}

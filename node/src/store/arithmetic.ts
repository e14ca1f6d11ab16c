/**
 * Broker's `add` and `subtract` on one stored value (B:libbroker/broker/detail/appliers.hh,
 * the adder and remover visitors), re-made over immutable `Data`, with these differences:
 * - count, integer, timespan and timestamp arithmetic that leaves its range is an error, not
 *   a wrap (Broker's C++ integers wrap or, for signed ones, are undefined behaviour);
 * - a type clash on a missing key creates nothing (Broker's memory backend leaves the zero
 *   value of `init_type` behind when the add then fails).
 *
 * Each function also returns the new value's encoded size, computed from the old size where a
 * container changes by one element, so adding to a large set does not re-encode all of it.
 */
import { Buffer } from 'node:buffer';
import { MAX_COUNT, MAX_INT64, MIN_INT64, compareData, data, stringBytes } from '../data/index.js';
import type { Data, DataKind, SetData, TableData, TableEntry, VectorData } from '../data/index.js';

/** A rejected add or subtract; the state machine turns it into a `StoreOpError`. */
export class ArithmeticError extends Error {
  readonly code: 'invalid-argument';
  constructor(message: string) {
    super(message);
    this.name = 'ArithmeticError';
    this.code = 'invalid-argument';
  }
}

/** What the caller knows how to measure: the encoded size and nesting depth of a value. */
export interface Measure {
  sizeOf(value: Data): number;
  depthOf(value: Data): number;
}

/** A new value and its encoded size. */
export interface Changed {
  readonly value: Data;
  readonly bytes: number;
}

/** The zero or empty value of a kind: what a missing key starts as (Broker's `data::from_type`). */
export function zeroOf(kind: DataKind): Data {
  switch (kind) {
    case 'none':
      return data.none();
    case 'boolean':
      return data.boolean(false);
    case 'count':
      return data.count(0n);
    case 'integer':
      return data.integer(0n);
    case 'real':
      return data.real(0);
    case 'string':
      return data.string('');
    case 'address':
      return data.address('::');
    case 'subnet':
      return data.subnet('::', 0);
    case 'port':
      return data.port(0, 'unknown');
    case 'timestamp':
      return data.timestamp(0n);
    case 'timespan':
      return data.timespan(0n);
    case 'enum':
      return data.enumValue('');
    case 'set':
      return data.set([]);
    case 'table':
      return data.table([]);
    case 'vector':
      return data.vector([]);
  }
}

/** `a`/`an` and the kind, for messages: "a count", "an integer". */
function article(kind: DataKind): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function clash(verb: 'add' | 'subtract', stored: DataKind, arg: DataKind, hint = ''): never {
  const prep = verb === 'add' ? 'to' : 'from';
  throw new ArithmeticError(
    `cannot ${verb} ${article(arg)} ${prep} ${article(stored)}${hint === '' ? '' : ` (${hint})`}`
  );
}

/** Bytes of a varbyte holding `n`, as the binary codec writes container lengths. */
function varbyteSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Position of `x` in sorted `xs` (found), or where it would go (not found). */
function search<T>(
  xs: readonly T[],
  x: Data,
  keyOf: (t: T) => Data
): { at: number; found: boolean } {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareData(keyOf(xs[mid] as T), x);
    if (c === 0) return { at: mid, found: true };
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return { at: lo, found: false };
}

const self = (d: Data): Data => d;
const entryKey = (e: TableEntry): Data => e.key;

function checkInt64(kind: DataKind, verb: string, a: bigint, b: bigint, r: bigint): bigint {
  if (r < MIN_INT64 || r > MAX_INT64) {
    throw new ArithmeticError(`${kind} overflow: ${a} ${verb} ${b} leaves the int64 range`);
  }
  return r;
}

/** The element of a container, checked to fit the depth limit once inside it. */
function checkElementDepth(m: Measure, maxDepth: number, element: Data): void {
  if (m.depthOf(element) + 1 > maxDepth) {
    throw new ArithmeticError(
      `the element nests too deep for --max-depth (${maxDepth}) inside its container`
    );
  }
}

/**
 * `stored + arg` by Broker's rules: numbers add (timestamp + timespan), strings append, sets
 * insert, tables insert a `[key, value]` vector, vectors push.
 * @throws ArithmeticError on a type clash or an out-of-range result.
 */
export function addTo(
  stored: Data,
  storedBytes: number,
  arg: Data,
  m: Measure,
  maxDepth: number
): Changed {
  switch (stored.kind) {
    case 'count': {
      if (arg.kind !== 'count') return clash('add', stored.kind, arg.kind);
      const r = stored.value + arg.value;
      if (r > MAX_COUNT) {
        throw new ArithmeticError(`count overflow: ${stored.value} + ${arg.value} exceeds 2^64-1`);
      }
      return { value: { kind: 'count', value: r }, bytes: storedBytes };
    }
    case 'integer':
    case 'timespan': {
      if (arg.kind !== stored.kind) return clash('add', stored.kind, arg.kind);
      const r = checkInt64(stored.kind, '+', stored.value, arg.value, stored.value + arg.value);
      return { value: { kind: stored.kind, value: r }, bytes: storedBytes };
    }
    case 'timestamp': {
      if (arg.kind !== 'timespan') return clash('add', stored.kind, arg.kind, 'add a timespan');
      const r = checkInt64('timestamp', '+', stored.value, arg.value, stored.value + arg.value);
      return { value: { kind: 'timestamp', value: r }, bytes: storedBytes };
    }
    case 'real':
      if (arg.kind !== 'real') return clash('add', stored.kind, arg.kind);
      return { value: { kind: 'real', value: stored.value + arg.value }, bytes: storedBytes };
    case 'string': {
      if (arg.kind !== 'string') return clash('add', stored.kind, arg.kind);
      if (arg.value === '') return { value: stored, bytes: storedBytes };
      const a = stored.value;
      const b = arg.value;
      // Byte strings append bytewise; the result may spell UTF-8 again (data.string decides).
      const value: Data =
        typeof a === 'string' && typeof b === 'string'
          ? { kind: 'string', value: a + b }
          : data.string(Buffer.concat([stringBytes(stored), stringBytes(arg)]));
      return { value, bytes: m.sizeOf(value) };
    }
    case 'set': {
      const els = stored.elements;
      const { at, found } = search(els, arg, self);
      if (found) return { value: stored, bytes: storedBytes };
      checkElementDepth(m, maxDepth, arg);
      const next = els.slice();
      next.splice(at, 0, arg);
      const n = els.length;
      const value: SetData = { kind: 'set', elements: next };
      return {
        value,
        bytes: storedBytes + m.sizeOf(arg) + varbyteSize(n + 1) - varbyteSize(n),
      };
    }
    case 'table': {
      if (arg.kind !== 'vector') {
        return clash('add', stored.kind, arg.kind, 'a table insert takes a vector [key, value]');
      }
      if (arg.elements.length !== 2) {
        throw new ArithmeticError(
          `a table insert takes a vector of 2 elements [key, value], got ${arg.elements.length}`
        );
      }
      const k = arg.elements[0] as Data;
      const v = arg.elements[1] as Data;
      checkElementDepth(m, maxDepth, k);
      checkElementDepth(m, maxDepth, v);
      const es = stored.entries;
      const { at, found } = search(es, k, entryKey);
      const next = es.slice();
      const n = es.length;
      let bytes: number;
      if (found) {
        const old = es[at] as TableEntry;
        next[at] = { key: old.key, value: v };
        bytes = storedBytes - m.sizeOf(old.value) + m.sizeOf(v);
      } else {
        next.splice(at, 0, { key: k, value: v });
        bytes = storedBytes + m.sizeOf(k) + m.sizeOf(v) + varbyteSize(n + 1) - varbyteSize(n);
      }
      const value: TableData = { kind: 'table', entries: next };
      return { value, bytes };
    }
    case 'vector': {
      checkElementDepth(m, maxDepth, arg);
      const n = stored.elements.length;
      const value: VectorData = { kind: 'vector', elements: [...stored.elements, arg] };
      return {
        value,
        bytes: storedBytes + m.sizeOf(arg) + varbyteSize(n + 1) - varbyteSize(n),
      };
    }
    default:
      return clash('add', stored.kind, arg.kind);
  }
}

/**
 * `stored - arg` by Broker's rules: numbers subtract (timestamp - timespan), sets remove the
 * element, tables remove the key, vectors pop their last element (`arg` ignored; an empty
 * vector stays empty).
 * @throws ArithmeticError on a type clash or an out-of-range result.
 */
export function subtractFrom(stored: Data, storedBytes: number, arg: Data, m: Measure): Changed {
  switch (stored.kind) {
    case 'count': {
      if (arg.kind !== 'count') return clash('subtract', stored.kind, arg.kind);
      if (arg.value > stored.value) {
        throw new ArithmeticError(`count underflow: ${stored.value} - ${arg.value} is below 0`);
      }
      return { value: { kind: 'count', value: stored.value - arg.value }, bytes: storedBytes };
    }
    case 'integer':
    case 'timespan': {
      if (arg.kind !== stored.kind) return clash('subtract', stored.kind, arg.kind);
      const r = checkInt64(stored.kind, '-', stored.value, arg.value, stored.value - arg.value);
      return { value: { kind: stored.kind, value: r }, bytes: storedBytes };
    }
    case 'timestamp': {
      if (arg.kind !== 'timespan') {
        return clash('subtract', stored.kind, arg.kind, 'subtract a timespan');
      }
      const r = checkInt64('timestamp', '-', stored.value, arg.value, stored.value - arg.value);
      return { value: { kind: 'timestamp', value: r }, bytes: storedBytes };
    }
    case 'real':
      if (arg.kind !== 'real') return clash('subtract', stored.kind, arg.kind);
      return { value: { kind: 'real', value: stored.value - arg.value }, bytes: storedBytes };
    case 'set': {
      const els = stored.elements;
      const { at, found } = search(els, arg, self);
      if (!found) return { value: stored, bytes: storedBytes };
      const next = els.slice();
      next.splice(at, 1);
      const n = els.length;
      return {
        value: { kind: 'set', elements: next },
        bytes: storedBytes - m.sizeOf(els[at] as Data) - varbyteSize(n) + varbyteSize(n - 1),
      };
    }
    case 'table': {
      const es = stored.entries;
      const { at, found } = search(es, arg, entryKey);
      if (!found) return { value: stored, bytes: storedBytes };
      const old = es[at] as TableEntry;
      const next = es.slice();
      next.splice(at, 1);
      const n = es.length;
      return {
        value: { kind: 'table', entries: next },
        bytes:
          storedBytes -
          m.sizeOf(old.key) -
          m.sizeOf(old.value) -
          varbyteSize(n) +
          varbyteSize(n - 1),
      };
    }
    case 'vector': {
      const els = stored.elements;
      const n = els.length;
      if (n === 0) return { value: stored, bytes: storedBytes };
      return {
        value: { kind: 'vector', elements: els.slice(0, n - 1) },
        bytes: storedBytes - m.sizeOf(els[n - 1] as Data) - varbyteSize(n) + varbyteSize(n - 1),
      };
    }
    default:
      return clash('subtract', stored.kind, arg.kind);
  }
}

/**
 * Broker's `get_index_from_value` (the retriever visitor): a vector's element at a count or
 * non-negative integer index, a table's value at a key, whether a set holds an element (a
 * boolean), and for every other kind the value itself. `undefined` when the index or key is
 * not there.
 * @throws ArithmeticError when a vector is indexed by something else than a count or a
 *   non-negative integer.
 */
export function indexInto(stored: Data, index: Data): Data | undefined {
  switch (stored.kind) {
    case 'vector': {
      let i: bigint;
      if (index.kind === 'count') i = index.value;
      else if (index.kind === 'integer' && index.value >= 0n) i = index.value;
      else {
        throw new ArithmeticError(
          `a vector is indexed by a count or a non-negative integer, got ${article(index.kind)}`
        );
      }
      return i < BigInt(stored.elements.length) ? stored.elements[Number(i)] : undefined;
    }
    case 'set':
      return data.boolean(search(stored.elements, index, self).found);
    case 'table': {
      const { at, found } = search(stored.entries, index, entryKey);
      return found ? (stored.entries[at] as TableEntry).value : undefined;
    }
    default:
      return stored;
  }
}

/** A scalar has depth 0; a container one more than its deepest element. */
export function depthOf(d: Data): number {
  switch (d.kind) {
    case 'set':
    case 'vector': {
      let m = 0;
      for (const e of d.elements) m = Math.max(m, depthOf(e));
      return m + 1;
    }
    case 'table': {
      let m = 0;
      for (const e of d.entries) m = Math.max(m, depthOf(e.key), depthOf(e.value));
      return m + 1;
    }
    default:
      return 0;
  }
}

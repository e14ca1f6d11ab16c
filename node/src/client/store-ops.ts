/**
 * The pure half of the store client: checks arguments and turns them into the wire's
 * `StoreOp` / `ReadOp` messages, and turns results back into typed values. No I/O here, so
 * test/client-store covers it without a node.
 */
import {
  BinaryDecoder,
  BinaryEncoder,
  DATA_KINDS,
  type Data,
  type DataKind,
  type DataLimits,
  NONE,
  data,
  parseTimespan,
  resolveLimits,
} from '../data/index.js';
import type { OpResult__Output } from '../gen/broker/v1/OpResult.js';
import type { ReadOp } from '../gen/broker/v1/ReadOp.js';
import type { ReadResult__Output } from '../gen/broker/v1/ReadResult.js';
import type { StoreEvent__Output } from '../gen/broker/v1/StoreEvent.js';
import type { StoreOp } from '../gen/broker/v1/StoreOp.js';
import { StoreArgumentError, StoreResponseError } from './store-errors.js';

/** Longest store name, in UTF-8 bytes. */
export const MAX_STORE_NAME_BYTES = 255;
/** Largest uint64 (versions and indexes). */
const MAX_U64 = 0xffff_ffff_ffff_ffffn;
/** Largest int64 (expiry in ns). */
const MAX_I64 = 0x7fff_ffff_ffff_ffffn;

/**
 * Checks a store name: 1..255 UTF-8 bytes, no control characters, no lone surrogates.
 * Broker's names look like `zeek/known/hosts`, so `/` and other punctuation are allowed;
 * the node applies its own rules on top.
 */
export function validateStoreName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new StoreArgumentError('store name must be a non-empty string');
  // With the u flag a surrogate pair is one code point, so only a lone surrogate matches.
  if (/[\uD800-\uDFFF]/u.test(name))
    throw new StoreArgumentError(`store name ${JSON.stringify(name)} is not well-formed UTF-16`);
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new StoreArgumentError(`store name ${JSON.stringify(name)} has a control character`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_STORE_NAME_BYTES)
    throw new StoreArgumentError(
      `store name is ${bytes} bytes, more than ${MAX_STORE_NAME_BYTES}: ${JSON.stringify(name.slice(0, 40))}...`
    );
  return name;
}

/**
 * An expiry option in nanoseconds: a positive bigint, or Broker's timespan text (`10s`,
 * `500ms`, `1h`). Undefined means the key never expires.
 */
export function parseExpiry(expiry: bigint | string | undefined): bigint | undefined {
  if (expiry === undefined) return undefined;
  let ns: bigint | undefined;
  if (typeof expiry === 'bigint') ns = expiry;
  else if (typeof expiry === 'string') ns = parseTimespan(expiry.trim());
  else
    throw new StoreArgumentError(
      `expiry must be a bigint of nanoseconds or a timespan like "10s", got ${typeof expiry}`
    );
  if (ns === undefined)
    throw new StoreArgumentError(
      `expiry ${JSON.stringify(expiry)} is not a timespan (an integer and ns, us, ms, s, min, h or d)`
    );
  if (ns <= 0n || ns > MAX_I64)
    throw new StoreArgumentError(`expiry must be positive and at most 2^63-1 ns, got ${ns}`);
  return ns;
}

/** A version or index argument: a bigint in 0..2^64-1. */
export function checkU64(what: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_U64)
    throw new StoreArgumentError(`${what} must be a bigint in 0..2^64-1, got ${String(v)}`);
  return v;
}

/** An `init_type` option: one of Broker's kind names. */
export function checkInitType(t: unknown): DataKind {
  if (typeof t !== 'string' || !(DATA_KINDS as readonly string[]).includes(t))
    throw new StoreArgumentError(
      `initType must be one of ${DATA_KINDS.join(', ')}, got ${JSON.stringify(t)}`
    );
  return t as DataKind;
}

/** Encodes and decodes a store's keys and values under one set of limits. */
export class StoreCodec {
  readonly limits: DataLimits;
  private readonly encoder: BinaryEncoder;
  private readonly decoder: BinaryDecoder;

  constructor(limits?: Partial<DataLimits>) {
    try {
      this.limits = resolveLimits(limits);
    } catch (e) {
      throw new StoreArgumentError(`limits: ${(e as Error).message}`, { cause: e });
    }
    this.encoder = new BinaryEncoder({
      limits: this.limits,
      initialCapacity: Math.min(256, this.limits.maxBytes),
    });
    this.decoder = new BinaryDecoder(this.limits);
  }

  /** Encodes an argument; a value that is not valid Data or breaks the limits names `what`. */
  encode(what: string, value: Data): Buffer {
    if (typeof value !== 'object' || value === null || typeof value.kind !== 'string')
      throw new StoreArgumentError(`${what} must be a Data value (data.string('x'), ...)`);
    try {
      const bytes = this.encoder.encode(value);
      return Buffer.from(bytes);
    } catch (e) {
      throw new StoreArgumentError(`${what}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Decodes bytes from the node; undecodable bytes are a {@link StoreResponseError}. */
  decode(what: string, bytes: Uint8Array): Data {
    try {
      return this.decoder.decode(bytes);
    } catch (e) {
      throw new StoreResponseError(
        `the node sent an undecodable ${what}: ${(e as Error).message}`,
        {
          cause: e,
        }
      );
    }
  }
}

const expiryField = (ns: bigint | undefined): { expiry?: { after_ns: string } } =>
  ns === undefined ? {} : { expiry: { after_ns: ns.toString() } };

/** Options of writes that can set an expiry. */
export interface ExpiryOption {
  /** Nanoseconds, or timespan text such as `10s`; the leader starts counting when it applies. */
  readonly expiry?: bigint | string;
}

/** Options of {@link StoreOps.add}. */
export interface AddOptions extends ExpiryOption {
  /** The kind a missing key starts as (Broker's `init_type`); default: the kind of the value. */
  readonly initType?: DataKind;
}

/**
 * Builds `StoreOp` messages, one per Broker operation. Every method validates its
 * arguments and throws {@link StoreArgumentError} naming the bad one.
 */
export class StoreOps {
  constructor(private readonly codec: StoreCodec) {}

  put(key: Data, value: Data, o: ExpiryOption = {}): StoreOp {
    const k = this.codec.encode('key', key);
    const v = this.codec.encode('value', value);
    return { put: { key: k, value: v, ...expiryField(parseExpiry(o.expiry)) } };
  }

  putUnique(key: Data, value: Data, o: ExpiryOption = {}): StoreOp {
    const k = this.codec.encode('key', key);
    const v = this.codec.encode('value', value);
    return { put_unique: { key: k, value: v, ...expiryField(parseExpiry(o.expiry)) } };
  }

  erase(key: Data): StoreOp {
    return { erase: { key: this.codec.encode('key', key) } };
  }

  clear(): StoreOp {
    return { clear: {} };
  }

  add(key: Data, value: Data, o: AddOptions = {}): StoreOp {
    const k = this.codec.encode('key', key);
    const v = this.codec.encode('value', value);
    const initType = o.initType === undefined ? '' : checkInitType(o.initType);
    return {
      add: { key: k, value: v, init_type: initType, ...expiryField(parseExpiry(o.expiry)) },
    };
  }

  subtract(key: Data, value: Data, o: ExpiryOption = {}): StoreOp {
    const k = this.codec.encode('key', key);
    const v = this.codec.encode('value', value);
    return { subtract: { key: k, value: v, ...expiryField(parseExpiry(o.expiry)) } };
  }

  /** Broker's `increment`: `add` of `by` (default count 1); a missing key starts at zero. */
  increment(key: Data, by: Data = data.count(1), o: ExpiryOption = {}): StoreOp {
    return this.add(key, by, o);
  }

  /** Broker's `decrement`: `subtract` of `by` (default count 1). */
  decrement(key: Data, by: Data = data.count(1), o: ExpiryOption = {}): StoreOp {
    return this.subtract(key, by, o);
  }

  /** Broker's `append` to a string; a missing key starts as the empty string. */
  append(key: Data, str: string | Data, o: ExpiryOption = {}): StoreOp {
    const value = typeof str === 'string' ? data.string(str) : str;
    if (value.kind !== 'string')
      throw new StoreArgumentError(`append needs a string, got a ${value.kind}`);
    return this.add(key, value, { ...o, initType: 'string' });
  }

  /**
   * Broker's `insert_into`: `(key, element)` inserts into a set, `(key, tkey, tvalue)` into a
   * table; a missing key starts as the empty set or table.
   */
  insertInto(key: Data, element: Data, value?: Data, o: ExpiryOption = {}): StoreOp {
    if (value === undefined) return this.add(key, element, { ...o, initType: 'set' });
    return this.add(key, data.vector([element, value]), { ...o, initType: 'table' });
  }

  /** Broker's `remove_from`: a set element or a table key. */
  removeFrom(key: Data, elementOrKey: Data, o: ExpiryOption = {}): StoreOp {
    return this.subtract(key, elementOrKey, o);
  }

  /** Broker's `push` onto a vector; a missing key starts as the empty vector. */
  push(key: Data, value: Data, o: ExpiryOption = {}): StoreOp {
    return this.add(key, value, { ...o, initType: 'vector' });
  }

  /** Broker's `pop`: removes a vector's last element (the value sent is ignored: none). */
  pop(key: Data, o: ExpiryOption = {}): StoreOp {
    return this.subtract(key, NONE, o);
  }

  /**
   * Writes `value` when the key's version is `expectedVersion` (0 = absent); erases the key
   * instead when `value` is undefined.
   */
  compareAndSet(
    key: Data,
    expectedVersion: bigint,
    value: Data | undefined,
    o: ExpiryOption = {}
  ): StoreOp {
    const k = this.codec.encode('key', key);
    const expected = checkU64('expectedVersion', expectedVersion);
    if (value === undefined && o.expiry !== undefined)
      throw new StoreArgumentError('compareAndSet: an erase (value undefined) takes no expiry');
    // An erase still sends a valid value (none), so a node that checks every value accepts it.
    const v = this.codec.encode('value', value ?? NONE);
    return {
      compare_and_set: {
        key: k,
        expected_version: expected.toString(),
        value: v,
        erase: value === undefined,
        ...expiryField(parseExpiry(o.expiry)),
      },
    };
  }

  get(key: Data): ReadOp {
    return { get: { key: this.codec.encode('key', key) } };
  }

  getIndex(key: Data, index: Data): ReadOp {
    return {
      get_index: { key: this.codec.encode('key', key), index: this.codec.encode('index', index) },
    };
  }

  exists(key: Data): ReadOp {
    return { exists: { key: this.codec.encode('key', key) } };
  }

  keys(): ReadOp {
    return { keys: {} };
  }
}

/** The result of one write operation, typed. */
export interface OpResult {
  /** put_unique: whether the key was inserted. */
  readonly inserted: boolean;
  /** compare_and_set: whether the value was written (or the key erased). */
  readonly swapped: boolean;
  /** The key's version after the operation; 0 when absent. */
  readonly version: bigint;
  /** erase, compare_and_set erase: whether a key was there. */
  readonly existed: boolean;
}

/** A uint64 the node sent as decimal text (proto-loader's `longs: String`). */
export function u64(what: string, text: string | undefined): bigint {
  if (text === undefined || text === '') return 0n;
  if (!/^\d{1,20}$/.test(text))
    throw new StoreResponseError(`the node sent a malformed ${what}: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** An int64 the node sent as decimal text. */
export function i64(what: string, text: string | undefined): bigint {
  if (text === undefined || text === '') return 0n;
  if (!/^-?\d{1,19}$/.test(text))
    throw new StoreResponseError(`the node sent a malformed ${what}: ${JSON.stringify(text)}`);
  return BigInt(text);
}

export function toOpResult(r: OpResult__Output | undefined): OpResult {
  return {
    inserted: r?.inserted === true,
    swapped: r?.swapped === true,
    version: u64('version', r?.version),
    existed: r?.existed === true,
  };
}

/** An entry read by `getEntry`. */
export interface StoreEntry {
  readonly value: Data;
  /** Bumped by every write of the key (etcd's mod_revision); compareAndSet checks it. */
  readonly version: bigint;
  /** When the key expires, ns since the Unix epoch; absent = never. */
  readonly expiresAt?: bigint;
}

/** A get result as an entry, or undefined when not found. */
export function toEntry(
  codec: StoreCodec,
  r: ReadResult__Output | undefined
): StoreEntry | undefined {
  if (r === undefined || !r.found) return undefined;
  const expiresAt = i64('expires_at_unix_ns', r.expires_at_unix_ns);
  return {
    value: codec.decode('value', r.value),
    version: u64('version', r.version),
    ...(expiresAt !== 0n ? { expiresAt } : {}),
  };
}

/** An `exists` result: the boolean value the node sent. */
export function toExists(codec: StoreCodec, r: ReadResult__Output | undefined): boolean {
  if (r === undefined) throw new StoreResponseError('the node sent no result for exists');
  const v = codec.decode('exists result', r.value);
  if (v.kind !== 'boolean')
    throw new StoreResponseError(`the node answered exists with a ${v.kind}, not a boolean`);
  return v.value;
}

/** A `keys` result: the elements of the set the node sent. */
export function toKeys(codec: StoreCodec, r: ReadResult__Output | undefined): Data[] {
  if (r === undefined) throw new StoreResponseError('the node sent no result for keys');
  const v = codec.decode('keys result', r.value);
  if (v.kind !== 'set')
    throw new StoreResponseError(`the node answered keys with a ${v.kind}, not a set`);
  return [...v.elements];
}

/** Broker's store event kinds. */
export type StoreEventType = 'insert' | 'update' | 'erase' | 'expire';

/** One committed change of a store, decoded. */
export interface StoreEvent {
  readonly type: StoreEventType;
  readonly key: Data;
  /** insert: the value; update: the new value. */
  readonly value?: Data;
  /** update: the value before. */
  readonly oldValue?: Data;
  /** The relative expiry the write set, ns (insert, update); absent = none. */
  readonly expiry?: bigint;
  /** Log index of the entry that made the change; several events may share one. */
  readonly index: bigint;
  /** The peer that accepted the request (Broker's publisher id). */
  readonly publisher: string;
}

const EVENT_TYPES: Record<string, StoreEventType> = {
  STORE_EVENT_TYPE_INSERT: 'insert',
  STORE_EVENT_TYPE_UPDATE: 'update',
  STORE_EVENT_TYPE_ERASE: 'erase',
  STORE_EVENT_TYPE_EXPIRE: 'expire',
};

/** Decodes one wire event; an unknown type or undecodable data is a {@link StoreResponseError}. */
export function toStoreEvent(codec: StoreCodec, e: StoreEvent__Output): StoreEvent {
  const type = EVENT_TYPES[String(e.type)];
  if (type === undefined)
    throw new StoreResponseError(`the node sent a store event of unknown type ${String(e.type)}`);
  const withValue = type === 'insert' || type === 'update';
  const expiry = i64('expiry_ns', e.expiry_ns);
  return {
    type,
    key: codec.decode('event key', e.key),
    ...(withValue ? { value: codec.decode('event value', e.value) } : {}),
    ...(type === 'update' ? { oldValue: codec.decode('event old value', e.old_value) } : {}),
    ...(withValue && expiry !== 0n ? { expiry } : {}),
    index: u64('event index', e.index),
    publisher: e.publisher,
  };
}

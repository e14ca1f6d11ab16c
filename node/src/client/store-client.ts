import type * as grpc from '@grpc/grpc-js';
import type { Data, DataLimits } from '../data/index.js';
import type { BrokerStoreClient } from '../gen/broker/v1/BrokerStore.js';
import type { ReadOp } from '../gen/broker/v1/ReadOp.js';
import type { ReadResponse__Output } from '../gen/broker/v1/ReadResponse.js';
import type { StoreInfo__Output } from '../gen/broker/v1/StoreInfo.js';
import type { StoreOp } from '../gen/broker/v1/StoreOp.js';
import type { WriteResponse__Output } from '../gen/broker/v1/WriteResponse.js';
import { StoreArgumentError, StoreResponseError, storeError } from './store-errors.js';
import {
  type AddOptions,
  type ExpiryOption,
  type OpResult,
  StoreCodec,
  type StoreEntry,
  StoreOps,
  toEntry,
  toExists,
  toKeys,
  toOpResult,
  u64,
  validateStoreName,
} from './store-ops.js';
import { type Sleep, StoreWatch, type WatchOptions } from './watch.js';

/** Default deadline of every store call. */
export const DEFAULT_STORE_TIMEOUT_MS = 10_000;
/** Most operations in one batch (one Raft entry). */
export const MAX_BATCH_OPS = 10_000;

/** The deadline option every call takes. */
export interface CallOptions {
  /** Deadline of the call in ms (default: the store's, 10 s). */
  readonly timeoutMs?: number;
}

/** Options of reads. */
export interface ReadOptions extends CallOptions {
  /** Serve from the receiving peer's replica without confirming leadership (may be behind). */
  readonly stale?: boolean;
}

/** Options of writes that can set an expiry. */
export type WriteOptions = ExpiryOption & CallOptions;

/** Where a write landed. */
export interface WriteInfo {
  /** The log index of the entry that applied it. */
  readonly index: bigint;
  /** The key's version after the write (0 when absent). */
  readonly version: bigint;
}

/** The result of compareAndSet. */
export interface CasResult {
  readonly swapped: boolean;
  /** The key's current version either way (0 = absent). */
  readonly version: bigint;
  readonly index: bigint;
}

/** The result of a batch: the entry's index and one result per operation, in order. */
export interface BatchResult {
  readonly index: bigint;
  readonly results: readonly OpResult[];
}

/** Options of {@link BrokerClient.store}. */
export interface StoreClientOptions {
  /** Default deadline of each call (default 10 s). */
  readonly timeoutMs?: number;
  /** Limits for encoding keys and values and decoding what the node sends. */
  readonly limits?: Partial<DataLimits>;
}

/** One store in the stores list. */
export interface StoreInfo {
  readonly name: string;
  readonly replicationFactor: number;
  /** Member ids holding a replica. */
  readonly replicas: readonly string[];
  /** The leader's member id, "" when unknown. */
  readonly leader: string;
  readonly keys: bigint;
  readonly bytes: bigint;
}

export function toStoreInfo(s: StoreInfo__Output): StoreInfo {
  return {
    name: s.name,
    replicationFactor: s.replication_factor,
    replicas: [...s.replicas],
    leader: s.leader,
    keys: u64('keys', s.keys),
    bytes: u64('bytes', s.bytes),
  };
}

/** Lists the cluster's stores (ListStores). */
export function listStores(stub: BrokerStoreClient, o: CallOptions = {}): Promise<StoreInfo[]> {
  let deadline: number;
  try {
    deadline = Date.now() + checkTimeout(o.timeoutMs, DEFAULT_STORE_TIMEOUT_MS);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    stub.ListStores({}, { deadline }, (e, res) => {
      if (e || res === undefined) return reject(storeError('stores', e ?? 'no response', true));
      try {
        resolve(res.stores.map(toStoreInfo));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** A deadline in ms: a positive integer up to an hour. */
export function checkTimeout(ms: unknown, dflt: number): number {
  if (ms === undefined) return dflt;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1 || ms > 3_600_000)
    throw new StoreArgumentError(`timeoutMs must be an integer in 1..3600000, got ${String(ms)}`);
  return ms;
}

/**
 * Broker's store API on one store, over the connection of a {@link BrokerClient}. Any peer
 * accepts every call (it forwards to the store's leader). Every call has a deadline; a
 * failure is a {@link StoreError} whose `outcome` says whether a write may have happened.
 */
export class StoreClient {
  readonly name: string;
  private readonly codec: StoreCodec;
  private readonly ops: StoreOps;
  private readonly timeoutMs: number;

  constructor(
    private readonly stub: BrokerStoreClient,
    name: string,
    options: StoreClientOptions = {}
  ) {
    this.name = validateStoreName(name);
    this.codec = new StoreCodec(options.limits);
    this.ops = new StoreOps(this.codec);
    this.timeoutMs = checkTimeout(options.timeoutMs, DEFAULT_STORE_TIMEOUT_MS);
  }

  // ---- writes ----

  /** Broker's `put`. */
  async put(key: Data, value: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    const r = await this.write('put', [this.ops.put(key, value, o)], o);
    return { index: r.index, version: r.results[0]?.version ?? 0n };
  }

  /** Broker's `put_unique`: inserts only when the key is absent; resolves with whether it did. */
  async putUnique(key: Data, value: Data, o: WriteOptions = {}): Promise<boolean> {
    const r = await this.write('putUnique', [this.ops.putUnique(key, value, o)], o);
    return r.results[0]?.inserted === true;
  }

  /** Broker's `erase`; resolves with whether the key was there. */
  async erase(key: Data, o: CallOptions = {}): Promise<boolean> {
    const r = await this.write('erase', [this.ops.erase(key)], o);
    return r.results[0]?.existed === true;
  }

  /** Broker's `clear`: erases every key. */
  async clear(o: CallOptions = {}): Promise<{ index: bigint }> {
    const r = await this.write('clear', [this.ops.clear()], o);
    return { index: r.index };
  }

  /** Broker's `add` (see store.proto's AddOp for what it does per kind). */
  async add(key: Data, value: Data, o: AddOptions & CallOptions = {}): Promise<WriteInfo> {
    return this.single('add', this.ops.add(key, value, o), o);
  }

  /** Broker's `subtract`. */
  async subtract(key: Data, value: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('subtract', this.ops.subtract(key, value, o), o);
  }

  /** Broker's `increment` by `by` (default count 1). */
  async increment(key: Data, by?: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('increment', this.ops.increment(key, by, o), o);
  }

  /** Broker's `decrement` by `by` (default count 1). */
  async decrement(key: Data, by?: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('decrement', this.ops.decrement(key, by, o), o);
  }

  /** Broker's `append` to a string. */
  async append(key: Data, str: string | Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('append', this.ops.append(key, str, o), o);
  }

  /** Broker's `insert_into`: a set element, or (with `value`) a table entry. */
  async insertInto(
    key: Data,
    elementOrKey: Data,
    value?: Data,
    o: WriteOptions = {}
  ): Promise<WriteInfo> {
    return this.single('insertInto', this.ops.insertInto(key, elementOrKey, value, o), o);
  }

  /** Broker's `remove_from`: a set element or a table key. */
  async removeFrom(key: Data, elementOrKey: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('removeFrom', this.ops.removeFrom(key, elementOrKey, o), o);
  }

  /** Broker's `push` onto a vector. */
  async push(key: Data, value: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('push', this.ops.push(key, value, o), o);
  }

  /** Broker's `pop`: removes a vector's last element. */
  async pop(key: Data, o: WriteOptions = {}): Promise<WriteInfo> {
    return this.single('pop', this.ops.pop(key, o), o);
  }

  /**
   * Writes `value` (or erases the key, when `value` is undefined) only if the key's version
   * is `expectedVersion` (0 = the key must be absent).
   */
  async compareAndSet(
    key: Data,
    expectedVersion: bigint,
    value: Data | undefined,
    o: WriteOptions = {}
  ): Promise<CasResult> {
    const r = await this.write(
      'compareAndSet',
      [this.ops.compareAndSet(key, expectedVersion, value, o)],
      o
    );
    const res = r.results[0];
    return { swapped: res?.swapped === true, version: res?.version ?? 0n, index: r.index };
  }

  /** Collects operations to apply atomically in one request (one Raft entry). */
  batch(): StoreBatch {
    return new StoreBatch(this.ops, (ops, o) => this.write('batch', ops, o));
  }

  // ---- reads ----

  /** Broker's `get`: the value, or undefined when the key is absent. */
  async get(key: Data, o: ReadOptions = {}): Promise<Data | undefined> {
    return (await this.getEntry(key, o))?.value;
  }

  /** The value with its version and expiry time. */
  async getEntry(key: Data, o: ReadOptions = {}): Promise<StoreEntry | undefined> {
    const r = await this.read('get', this.ops.get(key), o);
    return toEntry(this.codec, r.results[0]);
  }

  /**
   * Broker's `get_index_from_value`: a vector's element at `index` (a count), a table's
   * value at key `index`, or for a set whether `index` is an element (a boolean).
   */
  async getIndexFromValue(key: Data, index: Data, o: ReadOptions = {}): Promise<Data | undefined> {
    const r = await this.read('getIndexFromValue', this.ops.getIndex(key, index), o);
    return toEntry(this.codec, r.results[0])?.value;
  }

  /** Broker's `exists`. */
  async exists(key: Data, o: ReadOptions = {}): Promise<boolean> {
    const r = await this.read('exists', this.ops.exists(key), o);
    return toExists(this.codec, r.results[0]);
  }

  /** Broker's `keys`: every key, in Broker's order. */
  async keys(o: ReadOptions = {}): Promise<Data[]> {
    const r = await this.read('keys', this.ops.keys(), o);
    return toKeys(this.codec, r.results[0]);
  }

  /** Every committed change from `fromIndex` on (see {@link StoreWatch}). */
  watch(o: WatchOptions = {}, sleep?: Sleep): StoreWatch {
    return new StoreWatch(
      this.name,
      (fromIndex) => this.stub.Watch({ store: this.name, from_index: fromIndex.toString() }),
      this.codec,
      o,
      sleep
    );
  }

  // ---- plumbing ----

  private async single(what: string, op: StoreOp, o: CallOptions): Promise<WriteInfo> {
    const r = await this.write(what, [op], o);
    return { index: r.index, version: r.results[0]?.version ?? 0n };
  }

  private deadline(o: CallOptions): grpc.CallOptions {
    return { deadline: Date.now() + checkTimeout(o.timeoutMs, this.timeoutMs) };
  }

  /** Sends a Write; results are checked to match the operations one to one. */
  private write(
    what: string,
    ops: StoreOp[],
    o: CallOptions = {}
  ): Promise<{ index: bigint; results: OpResult[] }> {
    const opts = this.deadline(o);
    const label = `${what} on store ${JSON.stringify(this.name)}`;
    return new Promise((resolve, reject) => {
      this.stub.Write({ store: this.name, ops }, opts, (e, res?: WriteResponse__Output) => {
        if (e || res === undefined) return reject(storeError(label, e ?? 'no response', false));
        try {
          if (res.results.length !== ops.length)
            throw new StoreResponseError(
              `${label}: the node sent ${res.results.length} results for ${ops.length} operations`
            );
          resolve({ index: u64('index', res.index), results: res.results.map(toOpResult) });
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private read(what: string, op: ReadOp, o: ReadOptions): Promise<ReadResponse__Output> {
    const opts = this.deadline(o);
    const label = `${what} on store ${JSON.stringify(this.name)}`;
    return new Promise((resolve, reject) => {
      this.stub.Read(
        { store: this.name, ops: [op], stale: o.stale === true },
        opts,
        (e, res?: ReadResponse__Output) => {
          if (e || res === undefined) return reject(storeError(label, e ?? 'no response', true));
          if (res.results.length !== 1)
            return reject(
              new StoreResponseError(`${label}: the node sent ${res.results.length} results for 1`)
            );
          resolve(res);
        }
      );
    });
  }
}

/**
 * Operations collected for one atomic Write: every one takes effect or none does. Built by
 * {@link StoreClient.batch}; arguments are checked as they are added.
 */
export class StoreBatch {
  private readonly ops: StoreOp[] = [];
  private committed = false;

  constructor(
    private readonly build: StoreOps,
    private readonly send: (ops: StoreOp[], o: CallOptions) => Promise<BatchResult>
  ) {}

  /** Operations added so far. */
  get size(): number {
    return this.ops.length;
  }

  private addOp(op: StoreOp): this {
    if (this.committed) throw new StoreArgumentError('this batch was already committed');
    if (this.ops.length >= MAX_BATCH_OPS)
      throw new StoreArgumentError(`a batch holds at most ${MAX_BATCH_OPS} operations`);
    this.ops.push(op);
    return this;
  }

  put(key: Data, value: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.put(key, value, o));
  }
  putUnique(key: Data, value: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.putUnique(key, value, o));
  }
  erase(key: Data): this {
    return this.addOp(this.build.erase(key));
  }
  clear(): this {
    return this.addOp(this.build.clear());
  }
  add(key: Data, value: Data, o?: AddOptions): this {
    return this.addOp(this.build.add(key, value, o));
  }
  subtract(key: Data, value: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.subtract(key, value, o));
  }
  increment(key: Data, by?: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.increment(key, by, o));
  }
  decrement(key: Data, by?: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.decrement(key, by, o));
  }
  append(key: Data, str: string | Data, o?: ExpiryOption): this {
    return this.addOp(this.build.append(key, str, o));
  }
  insertInto(key: Data, elementOrKey: Data, value?: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.insertInto(key, elementOrKey, value, o));
  }
  removeFrom(key: Data, elementOrKey: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.removeFrom(key, elementOrKey, o));
  }
  push(key: Data, value: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.push(key, value, o));
  }
  pop(key: Data, o?: ExpiryOption): this {
    return this.addOp(this.build.pop(key, o));
  }
  compareAndSet(
    key: Data,
    expectedVersion: bigint,
    value: Data | undefined,
    o?: ExpiryOption
  ): this {
    return this.addOp(this.build.compareAndSet(key, expectedVersion, value, o));
  }

  /** Sends every operation in one request; results come in the order of the operations. */
  async commit(o: CallOptions = {}): Promise<BatchResult> {
    if (this.committed) throw new StoreArgumentError('this batch was already committed');
    if (this.ops.length === 0) throw new StoreArgumentError('an empty batch has nothing to commit');
    this.committed = true;
    return this.send(this.ops, o);
  }
}

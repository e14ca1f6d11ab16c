/**
 * One store's replicated state machine: every replica of the store's Raft group applies the
 * same commands in log order and so holds the same keys, values, versions and deadlines, and
 * emits the same events. Pure and deterministic: no I/O, no clock, no randomness; time comes
 * only from the commands (`nowUnixNs`, decided by the leader).
 *
 * Keys live in a `Map` keyed by their binary encoding as a Latin-1 string ("map key"), which
 * makes a put O(1); the `compareData` order that `keys()`, `clear` and snapshots need is a
 * sorted view built on demand and kept until a key is added or removed.
 */
import { Buffer } from 'node:buffer';

import {
  BinaryEncoder,
  DataEncodeError,
  MAX_BYTES_CEILING,
  MAX_DEPTH_CEILING,
  MAX_INT64,
  compareData,
} from '../data/index.js';
import type { Data, SetData } from '../data/index.js';

import { ArithmeticError, addTo, depthOf, indexInto, subtractFrom, zeroOf } from './arithmetic.js';
import type { Measure } from './arithmetic.js';
import type { Entry } from './entry.js';
import { ExpiryQueue } from './expiry-queue.js';
import type { Deadline } from './expiry-queue.js';
import { StoreInvariantError, StoreOpError } from './errors.js';
import { LIMIT_FLAGS, limitError, validateStoreLimits } from './limits.js';
import type { StoreLimits } from './limits.js';
import { readSnapshot, writeSnapshot } from './snapshot-codec.js';
import type {
  ApplyOutcome,
  ExpiredKey,
  OpResult,
  StoreCommand,
  StoreEvent,
  StoreOp,
  StoredValue,
} from './types.js';

/** An encoded key (its map key) or value (mk '') and its size, or why it was rejected. */
type KeyCheck = { mk: string; bytes: number } | StoreOpError;

export class StoreState {
  private readonly limits: StoreLimits;
  /** Invariant: each entry is stored under the Latin-1 form of its key's binary encoding. */
  private readonly map = new Map<string, Entry>();
  /** Invariant: the sum of keyBytes + valueBytes over `map`. */
  private totalBytes = 0;
  /** Invariant: entries with a deadline; the queue holds at least their current deadlines. */
  private expiring = 0;
  private readonly queue: ExpiryQueue;
  /** Map keys in `compareData` order of their keys, or undefined when a key came or went. */
  private sorted: string[] | undefined = [];
  /** Invariant: strictly increasing over calls of `apply`; 0 before the first. */
  private applied = 0;

  /** Encodes keys and values under the store's depth limit (sizes are checked after). */
  private readonly encoder: BinaryEncoder;
  private readonly measure: Measure;

  // The batch being applied: changes staged here and committed only if the whole batch passes.
  /** Staged entries by map key; null = erased in this batch. */
  private readonly pending = new Map<string, Entry | null>();
  /** Whether the batch cleared the store before its staged changes. */
  private cleared = false;
  private stagedKeys = 0;
  private stagedBytes = 0;

  constructor(limits: StoreLimits) {
    this.limits = validateStoreLimits(limits);
    this.encoder = new BinaryEncoder({
      limits: { maxDepth: this.limits.maxDepth, maxBytes: MAX_BYTES_CEILING },
    });
    const sizer = new BinaryEncoder({
      limits: { maxDepth: MAX_DEPTH_CEILING, maxBytes: MAX_BYTES_CEILING },
    });
    this.measure = { sizeOf: (d) => sizer.encode(d).length, depthOf };
    this.queue = new ExpiryQueue((d) => this.map.get(d.mk)?.expiresAt === d.at);
  }

  /** Log index of the last applied command (0 = none). */
  get appliedIndex(): number {
    return this.applied;
  }

  /** Number of keys. */
  get size(): number {
    return this.map.size;
  }

  /** Encoded bytes of every key and value. */
  get bytes(): number {
    return this.totalBytes;
  }

  // -- reads --------------------------------------------------------------------------------

  /** The key's value, version and deadline; undefined when absent (or the key is invalid). */
  get(key: Data): StoredValue | undefined {
    const e = this.lookupMain(key);
    if (e === undefined) return undefined;
    return e.expiresAt === undefined
      ? { value: e.value, version: BigInt(e.version) }
      : { value: e.value, version: BigInt(e.version), expiresAtUnixNs: e.expiresAt };
  }

  /**
   * Broker's `get_index_from_value`: see `indexInto` (a vector's element, a table's value, a
   * set's membership as a boolean, any other value itself). Undefined when the key, index or
   * table key is absent.
   * @throws StoreOpError (invalid-argument) when a vector is indexed by a non-index.
   */
  getIndex(key: Data, index: Data): Data | undefined {
    const e = this.lookupMain(key);
    if (e === undefined) return undefined;
    try {
      return indexInto(e.value, index);
    } catch (err) {
      if (err instanceof ArithmeticError) {
        throw new StoreOpError('invalid-argument', err.message, undefined, { cause: err });
      }
      throw err;
    }
  }

  exists(key: Data): boolean {
    return this.lookupMain(key) !== undefined;
  }

  /** Every key, as a set (Broker's `keys()` returns a set). */
  keys(): SetData {
    const map = this.map;
    return { kind: 'set', elements: this.sortedMapKeys().map((mk) => (map.get(mk) as Entry).key) };
  }

  /** Keys whose deadline is at or before `now`, soonest first, at most `max`: for the leader. */
  dueExpiries(nowUnixNs: bigint, max: number): ExpiredKey[] {
    if (!Number.isInteger(max) || max <= 0) return [];
    return this.queue
      .due(nowUnixNs, max)
      .map((d) => ({ key: (this.map.get(d.mk) as Entry).key, expiresAtUnixNs: d.at }));
  }

  /** The soonest deadline of any key, or undefined when no key expires. */
  nextExpiryUnixNs(): bigint | undefined {
    return this.queue.peek()?.at;
  }

  /** Every entry in key order (for snapshots and tests). */
  entries(): Entry[] {
    const map = this.map;
    return this.sortedMapKeys().map((mk) => map.get(mk) as Entry);
  }

  // -- snapshots ----------------------------------------------------------------------------

  /** The whole state (keys, values, versions, deadlines, applied index) as canonical bytes. */
  snapshot(): Uint8Array {
    return writeSnapshot(this.applied, this.entries());
  }

  /**
   * A state from `snapshot()` bytes, with `limits` for the writes that follow (a restored
   * store may exceed lower limits; writes that grow it further are then rejected).
   * @throws StoreSnapshotError when the bytes are damaged, truncated or not a snapshot.
   */
  static restore(bytes: Uint8Array, limits: StoreLimits): StoreState {
    const s = new StoreState(limits);
    const snap = readSnapshot(bytes);
    s.applied = snap.appliedIndex;
    const order: string[] = [];
    for (const e of snap.entries) {
      s.map.set(e.mk, e.entry);
      order.push(e.mk);
      s.totalBytes += e.entry.keyBytes + e.entry.valueBytes;
      if (e.entry.expiresAt !== undefined) {
        s.expiring++;
        s.queue.push({ at: e.entry.expiresAt, mk: e.mk });
      }
    }
    s.sorted = order;
    return s;
  }

  // -- writes -------------------------------------------------------------------------------

  /**
   * Applies the command committed at log `index`. A write batch is atomic: it either applies
   * whole (results per op, events in op order) or not at all (`ok: false`, state untouched).
   * Either way the command counts as applied: `appliedIndex` becomes `index`.
   * @throws StoreInvariantError when `index` does not increase (the caller's bug).
   */
  apply(index: number, command: StoreCommand): ApplyOutcome {
    if (!Number.isSafeInteger(index) || index <= this.applied) {
      throw new StoreInvariantError(
        `apply index ${index} must be a safe integer above the applied index ${this.applied}`
      );
    }
    this.applied = index;
    if (command?.kind === 'expire') return this.applyExpire(index, command);
    if (command?.kind !== 'write') {
      return fail(new StoreOpError('invalid-argument', 'not a store command'));
    }
    const ops = command.ops;
    // A hand-built command is checked like a decoded one: a bad shape is a rejection.
    if (!Array.isArray(ops) || ops.length === 0) {
      return fail(new StoreOpError('invalid-argument', 'a write needs at least one op'));
    }
    if (typeof command.publisher !== 'string' || typeof command.nowUnixNs !== 'bigint') {
      return fail(
        new StoreOpError('invalid-argument', 'a write needs a publisher and a bigint clock')
      );
    }
    const first = ops.length === 1 ? ops[0] : undefined;
    if (first?.op === 'put' || first?.op === 'put_unique') {
      return this.applySinglePut(index, first, command.nowUnixNs, command.publisher);
    }
    this.beginBatch();
    const results: OpResult[] = [];
    const events: StoreEvent[] = [];
    try {
      const single = ops.length === 1;
      for (let i = 0; i < ops.length; i++) {
        results.push(
          this.applyOp(
            ops[i] as StoreOp,
            i,
            single,
            index,
            command.nowUnixNs,
            command.publisher,
            events
          )
        );
      }
      this.checkBatchLimits();
    } catch (e) {
      this.abortBatch();
      return failFrom(e);
    }
    this.commitBatch();
    return { ok: true, results, events };
  }

  /**
   * The hot path: a batch of one put or put_unique, checked in full before it touches the
   * map, so it needs no staging. Same outcome as the general path.
   */
  private applySinglePut(
    index: number,
    op: Extract<StoreOp, { op: 'put' | 'put_unique' }>,
    now: bigint,
    publisher: string
  ): ApplyOutcome {
    try {
      const k = this.checkKey(op.key, 0);
      const old = this.map.get(k.mk);
      if (op.op === 'put_unique' && old !== undefined) {
        return {
          ok: true,
          results: [{ inserted: false, version: BigInt(old.version) }],
          events: [],
        };
      }
      const valueBytes = this.checkValue(op.value, 0);
      const expiresAt = deadline(now, op.expiryNs, 0);
      const keys = old === undefined ? this.map.size + 1 : this.map.size;
      const bytes =
        this.totalBytes -
        (old === undefined ? 0 : old.keyBytes + old.valueBytes) +
        k.bytes +
        valueBytes;
      this.checkLimits(keys, bytes);
      const events: StoreEvent[] = [];
      const entry = this.entryAndEvent(
        k,
        old,
        op.key,
        op.value,
        valueBytes,
        index,
        expiresAt,
        op.expiryNs,
        publisher,
        events
      );
      this.install(k.mk, old, entry);
      if (old?.expiresAt !== undefined) this.compactQueue();
      const version = BigInt(index);
      return {
        ok: true,
        results: [op.op === 'put' ? { version } : { inserted: true, version }],
        events,
      };
    } catch (e) {
      return failFrom(e);
    }
  }

  private applyExpire(index: number, cmd: Extract<StoreCommand, { kind: 'expire' }>): ApplyOutcome {
    const results: OpResult[] = [];
    const events: StoreEvent[] = [];
    const publisher = cmd.publisher ?? '';
    // Checked before the first removal: an expire command is not staged.
    if (
      !Array.isArray(cmd.keys) ||
      typeof cmd.nowUnixNs !== 'bigint' ||
      typeof publisher !== 'string' ||
      !cmd.keys.every(
        (k) => typeof k === 'object' && k !== null && typeof k.expiresAtUnixNs === 'bigint'
      )
    ) {
      return fail(new StoreOpError('invalid-argument', 'malformed expire command'));
    }
    for (const k of cmd.keys) {
      const mk = this.tryMapKey(k.key);
      const e = mk === undefined ? undefined : this.map.get(mk);
      // Only the deadline the leader saw, and only once due: a key re-written since keeps
      // its new deadline (broker#129).
      if (
        mk === undefined ||
        e === undefined ||
        e.expiresAt === undefined ||
        e.expiresAt !== k.expiresAtUnixNs ||
        e.expiresAt > cmd.nowUnixNs
      ) {
        results.push({ existed: false, version: e === undefined ? 0n : BigInt(e.version) });
        continue;
      }
      this.removeMain(mk, e);
      results.push({ existed: true, version: 0n });
      events.push({ type: 'expire', key: e.key, index, publisher });
    }
    this.compactQueue();
    return { ok: true, results, events };
  }

  private applyOp(
    op: StoreOp,
    i: number,
    single: boolean,
    index: number,
    now: bigint,
    publisher: string,
    events: StoreEvent[]
  ): OpResult {
    const version = BigInt(index);
    switch (op.op) {
      case 'clear': {
        const had = this.stagedKeys > 0;
        for (const e of this.stagedEntriesInOrder()) {
          events.push({ type: 'erase', key: e.key, index, publisher });
        }
        this.pending.clear();
        this.cleared = true;
        this.stagedKeys = 0;
        this.stagedBytes = 0;
        return { existed: had, version: 0n };
      }
      case 'erase': {
        const k = this.checkKey(op.key, i);
        const old = this.lookupStaged(k.mk);
        if (old === undefined) return { existed: false, version: 0n };
        this.stage(k.mk, old, null);
        events.push({ type: 'erase', key: old.key, index, publisher });
        return { existed: true, version: 0n };
      }
      case 'put':
      case 'put_unique': {
        const k = this.checkKey(op.key, i);
        const old = this.lookupStaged(k.mk);
        if (op.op === 'put_unique' && old !== undefined) {
          return { inserted: false, version: BigInt(old.version) };
        }
        const valueBytes = this.checkValue(op.value, i);
        const expiresAt = deadline(now, op.expiryNs, i);
        this.write(
          k,
          old,
          op.key,
          op.value,
          valueBytes,
          index,
          expiresAt,
          op.expiryNs,
          publisher,
          events
        );
        return op.op === 'put' ? { version } : { inserted: true, version };
      }
      case 'add':
      case 'subtract': {
        const k = this.checkKey(op.key, i);
        const old = this.lookupStaged(k.mk);
        this.checkValue(op.value, i); // the argument must be a valid value too
        const expiresAt = deadline(now, op.expiryNs, i);
        let base: Data;
        let baseBytes: number;
        if (old !== undefined) {
          base = old.value;
          baseBytes = old.valueBytes;
        } else if (op.op === 'subtract') {
          throw new StoreOpError('not-found', 'subtract from a key that does not exist', i);
        } else {
          base = zeroOf(op.initType ?? op.value.kind);
          baseBytes = this.measure.sizeOf(base);
        }
        let changed;
        try {
          changed =
            op.op === 'add'
              ? addTo(base, baseBytes, op.value, this.measure, this.limits.maxDepth)
              : subtractFrom(base, baseBytes, op.value, this.measure);
        } catch (e) {
          if (e instanceof ArithmeticError) {
            throw new StoreOpError('invalid-argument', e.message, i, { cause: e });
          }
          throw e;
        }
        if (changed.bytes > this.limits.maxValueBytes) {
          throw limitError(
            'maxValueBytes',
            this.limits.maxValueBytes,
            `value of ${changed.bytes} bytes`,
            i
          );
        }
        this.write(
          k,
          old,
          op.key,
          changed.value,
          changed.bytes,
          index,
          expiresAt,
          op.expiryNs,
          publisher,
          events
        );
        return { version };
      }
      case 'cas': {
        const k = this.checkKey(op.key, i);
        const old = this.lookupStaged(k.mk);
        const current = old === undefined ? 0n : BigInt(old.version);
        const erase = op.erase === true;
        if (erase === (op.value !== undefined)) {
          throw new StoreOpError('invalid-argument', 'cas needs exactly one of value and erase', i);
        }
        // Validate the write before comparing, so a bad cas is an error whatever the version.
        const valueBytes = op.value === undefined ? 0 : this.checkValue(op.value, i);
        const expiresAt = deadline(now, op.expiryNs, i);
        if (current !== op.expectedVersion) {
          if (!single) {
            throw new StoreOpError(
              'failed-precondition',
              `cas: the key's version is ${current}, expected ${op.expectedVersion}`,
              i
            );
          }
          return erase
            ? { swapped: false, existed: old !== undefined, version: current }
            : { swapped: false, version: current };
        }
        if (erase) {
          if (old === undefined) return { swapped: true, existed: false, version: 0n };
          this.stage(k.mk, old, null);
          events.push({ type: 'erase', key: old.key, index, publisher });
          return { swapped: true, existed: true, version: 0n };
        }
        this.write(
          k,
          old,
          op.key,
          op.value as Data,
          valueBytes,
          index,
          expiresAt,
          op.expiryNs,
          publisher,
          events
        );
        return { swapped: true, version };
      }
      default:
        throw new StoreOpError(
          'invalid-argument',
          `unknown operation ${JSON.stringify((op as { op?: unknown }).op)}`,
          i
        );
    }
  }

  /** Stages a write of `value` at `key` and records its insert or update event. */
  private write(
    k: { mk: string; bytes: number },
    old: Entry | undefined,
    key: Data,
    value: Data,
    valueBytes: number,
    index: number,
    expiresAt: bigint | undefined,
    expiryNs: bigint | undefined,
    publisher: string,
    events: StoreEvent[]
  ): void {
    const entry = this.entryAndEvent(
      k,
      old,
      key,
      value,
      valueBytes,
      index,
      expiresAt,
      expiryNs,
      publisher,
      events
    );
    this.stage(k.mk, old, entry);
  }

  /** The entry of a write and its insert or update event (appended to `events`). */
  private entryAndEvent(
    k: { mk: string; bytes: number },
    old: Entry | undefined,
    key: Data,
    value: Data,
    valueBytes: number,
    index: number,
    expiresAt: bigint | undefined,
    expiryNs: bigint | undefined,
    publisher: string,
    events: StoreEvent[]
  ): Entry {
    const entry: Entry = {
      key: old === undefined ? key : old.key,
      value,
      version: index,
      expiresAt,
      keyBytes: k.bytes,
      valueBytes,
    };
    const ev: StoreEvent =
      old === undefined
        ? expiryNs === undefined
          ? { type: 'insert', key: entry.key, value, index, publisher }
          : { type: 'insert', key: entry.key, value, expiryNs, index, publisher }
        : expiryNs === undefined
          ? { type: 'update', key: entry.key, oldValue: old.value, value, index, publisher }
          : {
              type: 'update',
              key: entry.key,
              oldValue: old.value,
              value,
              expiryNs,
              index,
              publisher,
            };
    events.push(ev);
    return entry;
  }

  // -- keys and limits ----------------------------------------------------------------------

  /** The map key of `key`, or undefined when it is not a valid key for this store. */
  private tryMapKey(key: Data): string | undefined {
    try {
      return this.mapKey(this.encoder.encode(key));
    } catch {
      return undefined;
    }
  }

  /** A Buffer over the encoder's current memory, for Latin-1 slicing without a new view. */
  private keyBuffer: Buffer | undefined;

  /** The map key of bytes just encoded by `encoder` (a view into its buffer). */
  private mapKey(b: Uint8Array): string {
    let kb = this.keyBuffer;
    if (kb === undefined || kb.buffer !== b.buffer) {
      kb = Buffer.from(b.buffer);
      this.keyBuffer = kb;
    }
    return kb.toString('latin1', b.byteOffset, b.byteOffset + b.length);
  }

  private lookupMain(key: Data): Entry | undefined {
    const mk = this.tryMapKey(key);
    return mk === undefined ? undefined : this.map.get(mk);
  }

  private checkKey(key: Data, i: number): { mk: string; bytes: number } {
    const r = this.encodeChecked(key, 'key', i);
    if (r instanceof StoreOpError) throw r;
    return r;
  }

  private encodeChecked(d: Data, what: string, i: number): KeyCheck {
    let b: Uint8Array;
    try {
      b = this.encoder.encode(d);
    } catch (e) {
      if (e instanceof DataEncodeError && /maxDepth/.test(e.message)) {
        return new StoreOpError(
          'invalid-argument',
          `${what} nests deeper than ${LIMIT_FLAGS.maxDepth} (${this.limits.maxDepth})`,
          i,
          { cause: e }
        );
      }
      const msg = e instanceof Error ? e.message : String(e);
      return new StoreOpError('invalid-argument', `${what} is not a valid value: ${msg}`, i, {
        cause: e,
      });
    }
    if (what === 'key') {
      if (b.length > this.limits.maxKeyBytes) {
        return limitError('maxKeyBytes', this.limits.maxKeyBytes, `key of ${b.length} bytes`, i);
      }
      return { mk: this.mapKey(b), bytes: b.length };
    }
    if (b.length > this.limits.maxValueBytes) {
      return limitError(
        'maxValueBytes',
        this.limits.maxValueBytes,
        `value of ${b.length} bytes`,
        i
      );
    }
    return { mk: '', bytes: b.length };
  }

  /** Checks a value to be stored; returns its encoded size. */
  private checkValue(value: Data, i: number): number {
    const r = this.encodeChecked(value, 'value', i);
    if (r instanceof StoreOpError) throw r;
    return r.bytes;
  }

  private checkBatchLimits(): void {
    this.checkLimits(this.stagedKeys, this.stagedBytes);
  }

  /** Whether the store may end a batch with `keys` keys and `bytes` bytes. */
  private checkLimits(keys: number, bytes: number): void {
    const before = this.map.size;
    // A batch that does not grow the store passes even above a limit (lowered limits must
    // not wedge a store: its users can still shrink it).
    if (keys > this.limits.maxKeys && keys > before) {
      throw limitError('maxKeys', this.limits.maxKeys, `${keys} keys`);
    }
    if (bytes > this.limits.maxBytes && bytes > this.totalBytes) {
      throw limitError('maxBytes', this.limits.maxBytes, `${bytes} bytes`);
    }
  }

  // -- the staged batch ---------------------------------------------------------------------

  private beginBatch(): void {
    this.pending.clear();
    this.cleared = false;
    this.stagedKeys = this.map.size;
    this.stagedBytes = this.totalBytes;
  }

  private abortBatch(): void {
    this.pending.clear();
    this.cleared = false;
  }

  private lookupStaged(mk: string): Entry | undefined {
    const p = this.pending.get(mk);
    // null: erased earlier in this batch.
    if (p !== undefined) return p ?? undefined;
    return this.cleared ? undefined : this.map.get(mk);
  }

  private stage(mk: string, old: Entry | undefined, next: Entry | null): void {
    if (old !== undefined) {
      this.stagedKeys--;
      this.stagedBytes -= old.keyBytes + old.valueBytes;
    }
    if (next !== null) {
      this.stagedKeys++;
      this.stagedBytes += next.keyBytes + next.valueBytes;
    }
    this.pending.set(mk, next);
  }

  /** The batch's view of every entry, in key order (for `clear`'s events). */
  private stagedEntriesInOrder(): Entry[] {
    const out: Entry[] = [];
    if (!this.cleared) {
      for (const mk of this.sortedMapKeys()) {
        if (this.pending.has(mk)) continue;
        out.push(this.map.get(mk) as Entry);
      }
    }
    let added = false;
    for (const e of this.pending.values()) {
      if (e !== null) {
        out.push(e);
        added = true;
      }
    }
    if (added) out.sort((a, b) => compareData(a.key, b.key));
    return out;
  }

  private commitBatch(): void {
    if (this.cleared) {
      this.map.clear();
      this.queue.clear();
      this.totalBytes = 0;
      this.expiring = 0;
      this.sorted = [];
    }
    for (const [mk, next] of this.pending) this.install(mk, this.map.get(mk), next);
    this.pending.clear();
    this.cleared = false;
    this.compactQueue();
  }

  /** Replaces `old` (the main map's entry at `mk`, if any) with `next` (null = remove). */
  private install(mk: string, old: Entry | undefined, next: Entry | null): void {
    if (old !== undefined) {
      this.totalBytes -= old.keyBytes + old.valueBytes;
      if (old.expiresAt !== undefined) this.expiring--;
    }
    if (next === null) {
      if (old !== undefined) {
        this.map.delete(mk);
        this.sorted = undefined;
      }
      return;
    }
    if (old === undefined) this.sorted = undefined;
    this.map.set(mk, next);
    this.totalBytes += next.keyBytes + next.valueBytes;
    if (next.expiresAt !== undefined) {
      this.expiring++;
      this.queue.push({ at: next.expiresAt, mk });
    }
  }

  private removeMain(mk: string, e: Entry): void {
    this.map.delete(mk);
    this.totalBytes -= e.keyBytes + e.valueBytes;
    if (e.expiresAt !== undefined) this.expiring--;
    this.sorted = undefined;
  }

  private compactQueue(): void {
    this.queue.compact(this.expiring, () => this.liveDeadlines());
  }

  private *liveDeadlines(): Iterable<Deadline> {
    for (const [mk, e] of this.map) if (e.expiresAt !== undefined) yield { at: e.expiresAt, mk };
  }

  private sortedMapKeys(): string[] {
    if (this.sorted === undefined) {
      const map = this.map;
      this.sorted = [...map.keys()].sort((a, b) =>
        compareData((map.get(a) as Entry).key, (map.get(b) as Entry).key)
      );
    }
    return this.sorted;
  }
}

function deadline(now: bigint, expiryNs: bigint | undefined, i: number): bigint | undefined {
  if (expiryNs === undefined) return undefined;
  if (typeof expiryNs !== 'bigint' || expiryNs <= 0n) {
    throw new StoreOpError(
      'invalid-argument',
      `expiryNs must be a positive bigint, got ${String(expiryNs)}`,
      i
    );
  }
  const at = now + expiryNs;
  if (at > MAX_INT64) {
    throw new StoreOpError(
      'invalid-argument',
      `expiry ${expiryNs} ns after ${now} leaves the int64 range`,
      i
    );
  }
  return at;
}

function fail(error: StoreOpError): ApplyOutcome {
  return { ok: false, error, events: [] };
}

/** The outcome of a batch that threw: its own error, or a malformed hand-built command. */
function failFrom(e: unknown): ApplyOutcome {
  if (e instanceof StoreOpError) return fail(e);
  const msg = e instanceof Error ? e.message : String(e);
  return fail(
    new StoreOpError('invalid-argument', `malformed command: ${msg}`, undefined, { cause: e })
  );
}

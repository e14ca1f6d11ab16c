/**
 * Between the BrokerStore wire messages and the store layer's commands and results. Every
 * field from the wire is checked here: sizes against the flags (RESOURCE_EXHAUSTED naming
 * the flag), encodings with the bounded binary decoder (INVALID_ARGUMENT naming the field).
 */
import * as grpc from '@grpc/grpc-js';
import type { StoreConfig } from '../config/index.js';
import {
  BinaryDecoder,
  type Data,
  DATA_KINDS,
  type DataKind,
  DataDecodeError,
  encodeData,
} from '../data/index.js';
import type { Expiry__Output } from '../gen/broker/v1/Expiry.js';
import type { OpResult } from '../gen/broker/v1/OpResult.js';
import type { ReadOp__Output } from '../gen/broker/v1/ReadOp.js';
import type { StoreEvent as WireStoreEvent } from '../gen/broker/v1/StoreEvent.js';
import type { StoreOp__Output } from '../gen/broker/v1/StoreOp.js';
import type { StoreEvent, StoreOp, OpResult as StoreOpResult } from '../store/index.js';
import { ClusterRequestError } from './errors.js';

/** The most operations one Write or Read may carry. */
export const MAX_OPS_PER_REQUEST = 10_000;

/** A read, decoded. */
export type ReadQuery =
  | { op: 'get'; key: Data }
  | { op: 'get_index'; key: Data; index: Data }
  | { op: 'exists'; key: Data }
  | { op: 'keys' };

function bad(msg: string): ClusterRequestError {
  return new ClusterRequestError(grpc.status.INVALID_ARGUMENT, msg);
}

/** Decodes wire keys and values with the store flags' limits. */
export class WireDecoder {
  private readonly keys: BinaryDecoder;
  private readonly values: BinaryDecoder;

  constructor(
    private readonly config: StoreConfig,
    maxDepth: number
  ) {
    this.keys = new BinaryDecoder({ maxDepth, maxBytes: config.maxKeyBytes });
    this.values = new BinaryDecoder({ maxDepth, maxBytes: config.maxValueBytes });
  }

  key(bytes: Buffer | undefined, where: string): Data {
    if (bytes === undefined || bytes.length === 0) throw bad(`${where}.key: missing`);
    if (bytes.length > this.config.maxKeyBytes)
      throw new ClusterRequestError(
        grpc.status.RESOURCE_EXHAUSTED,
        `${where}.key: ${bytes.length} bytes exceed --max-key-bytes (${this.config.maxKeyBytes})`
      );
    return this.decode(this.keys, bytes, `${where}.key`);
  }

  value(bytes: Buffer | undefined, where: string, field = 'value'): Data {
    if (bytes === undefined || bytes.length === 0) throw bad(`${where}.${field}: missing`);
    if (bytes.length > this.config.maxValueBytes)
      throw new ClusterRequestError(
        grpc.status.RESOURCE_EXHAUSTED,
        `${where}.${field}: ${bytes.length} bytes exceed --max-value-bytes (${this.config.maxValueBytes})`
      );
    return this.decode(this.values, bytes, `${where}.${field}`);
  }

  private decode(d: BinaryDecoder, bytes: Buffer, where: string): Data {
    try {
      return d.decode(bytes);
    } catch (e) {
      if (e instanceof DataDecodeError) throw bad(`${where}: ${e.message}`);
      throw e;
    }
  }

  /** The operations of a Write request. */
  ops(wire: readonly StoreOp__Output[]): StoreOp[] {
    if (wire.length === 0) throw bad('ops: empty');
    if (wire.length > MAX_OPS_PER_REQUEST)
      throw bad(`ops: ${wire.length} operations, at most ${MAX_OPS_PER_REQUEST} per request`);
    return wire.map((o, i) => this.op(o, `ops[${i}]`));
  }

  private op(o: StoreOp__Output, at: string): StoreOp {
    switch (o.op) {
      case 'put': {
        const p = o.put!;
        return {
          op: 'put',
          key: this.key(p.key, at),
          value: this.value(p.value, at),
          ...expiry(p.expiry, at),
        };
      }
      case 'put_unique': {
        const p = o.put_unique!;
        return {
          op: 'put_unique',
          key: this.key(p.key, at),
          value: this.value(p.value, at),
          ...expiry(p.expiry, at),
        };
      }
      case 'erase':
        return { op: 'erase', key: this.key(o.erase!.key, at) };
      case 'clear':
        return { op: 'clear' };
      case 'add': {
        const p = o.add!;
        const initType = p.init_type === '' ? undefined : kind(p.init_type, `${at}.init_type`);
        return {
          op: 'add',
          key: this.key(p.key, at),
          value: this.value(p.value, at),
          ...(initType !== undefined ? { initType } : {}),
          ...expiry(p.expiry, at),
        };
      }
      case 'subtract': {
        const p = o.subtract!;
        return {
          op: 'subtract',
          key: this.key(p.key, at),
          value: p.value.length === 0 ? { kind: 'none' } : this.value(p.value, at),
          ...expiry(p.expiry, at),
        };
      }
      case 'compare_and_set': {
        const p = o.compare_and_set!;
        const expectedVersion = uint64(p.expected_version, `${at}.expected_version`);
        // With erase set a value, if any, is not used (clients may send `none` there).
        if (p.erase) return { op: 'cas', key: this.key(p.key, at), expectedVersion, erase: true };
        return {
          op: 'cas',
          key: this.key(p.key, at),
          expectedVersion,
          value: this.value(p.value, at),
          ...expiry(p.expiry, at),
        };
      }
      default:
        throw bad(`${at}: no operation set`);
    }
  }

  /** The operations of a Read request. */
  reads(wire: readonly ReadOp__Output[]): ReadQuery[] {
    if (wire.length === 0) throw bad('ops: empty');
    if (wire.length > MAX_OPS_PER_REQUEST)
      throw bad(`ops: ${wire.length} operations, at most ${MAX_OPS_PER_REQUEST} per request`);
    return wire.map((o, i): ReadQuery => {
      const at = `ops[${i}]`;
      switch (o.op) {
        case 'get':
          return { op: 'get', key: this.key(o.get!.key, at) };
        case 'get_index':
          return {
            op: 'get_index',
            key: this.key(o.get_index!.key, at),
            index: this.value(o.get_index!.index, at, 'index'),
          };
        case 'exists':
          return { op: 'exists', key: this.key(o.exists!.key, at) };
        case 'keys':
          return { op: 'keys' };
        default:
          throw bad(`${at}: no operation set`);
      }
    });
  }
}

function kind(name: string, where: string): DataKind {
  if (!(DATA_KINDS as readonly string[]).includes(name))
    throw bad(`${where}: ${JSON.stringify(name)} is not a data kind (${DATA_KINDS.join(', ')})`);
  return name as DataKind;
}

const MAX_INT64 = (1n << 63n) - 1n;

function expiry(e: Expiry__Output | null, at: string): { expiryNs?: bigint } {
  if (e === null) return {};
  const ns = int64(e.after_ns, `${at}.expiry.after_ns`);
  if (ns < 0n) throw bad(`${at}.expiry.after_ns: negative (${ns})`);
  return ns === 0n ? {} : { expiryNs: ns };
}

function int64(v: string | number, where: string): bigint {
  const s = String(v);
  if (!/^-?\d{1,20}$/.test(s)) throw bad(`${where}: not an integer`);
  const n = BigInt(s);
  if (n > MAX_INT64 || n < -MAX_INT64 - 1n) throw bad(`${where}: out of int64 range`);
  return n;
}

function uint64(v: string | number, where: string): bigint {
  const s = String(v);
  if (!/^\d{1,20}$/.test(s)) throw bad(`${where}: not an unsigned integer`);
  const n = BigInt(s);
  if (n >= 1n << 64n) throw bad(`${where}: out of uint64 range`);
  return n;
}

/** Results of a write, for the wire. */
export function resultsToWire(results: readonly StoreOpResult[]): OpResult[] {
  return results.map((r) => ({
    inserted: r.inserted === true,
    swapped: r.swapped === true,
    existed: r.existed === true,
    version: r.version.toString(),
  }));
}

const EVENT_TYPES = {
  insert: 'STORE_EVENT_TYPE_INSERT',
  update: 'STORE_EVENT_TYPE_UPDATE',
  erase: 'STORE_EVENT_TYPE_ERASE',
  expire: 'STORE_EVENT_TYPE_EXPIRE',
} as const;

/** One store event, for the wire. */
export function eventToWire(e: StoreEvent): WireStoreEvent {
  const out: WireStoreEvent = {
    type: EVENT_TYPES[e.type],
    key: encodeData(e.key),
    index: String(e.index),
    publisher: e.publisher,
  };
  if (e.type === 'insert' || e.type === 'update') {
    out.value = encodeData(e.value);
    if (e.expiryNs !== undefined) out.expiry_ns = e.expiryNs.toString();
  }
  if (e.type === 'update') out.old_value = encodeData(e.oldValue);
  return out;
}

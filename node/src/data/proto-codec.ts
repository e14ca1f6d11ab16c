/**
 * Conversion between `Data` and the generated `broker.v1.Data` protobuf types
 * (proto/broker/v1/data.proto). `toProto` gives the generated input form with 64-bit numbers
 * as decimal strings (exact whatever the loader's `longs` option); `fromProto` takes what a
 * proto-loader decoder returns under any common option set (longs as string, number or Long;
 * enums as name or number; with or without the `kind` oneof field) and validates all of it,
 * throwing `DataProtoError` with the field path.
 */
import { Address } from './address.js';
import { NONE, canonicalBytes, canonicalSet, canonicalTable, data } from './builders.js';
import { DataEncodeError, DataProtoError } from './errors.js';
import { resolveLimits } from './limits.js';
import type { DataLimits } from './limits.js';
import { MAX_COUNT, MAX_INT64, MIN_INT64 } from './types.js';
import type { Data, PortProtocol, TableEntry } from './types.js';
import { isWellFormed } from './unicode.js';
import type { Data as ProtoData } from '../gen/broker/v1/Data.js';
import type { _broker_v1_Data_PortProtocol as ProtoPortProtocol } from '../gen/broker/v1/Data.js';

export type { ProtoData };

const PROTO_PROTOCOL: Readonly<Record<PortProtocol, ProtoPortProtocol>> = {
  unknown: 'PORT_PROTOCOL_UNKNOWN',
  tcp: 'PORT_PROTOCOL_TCP',
  udp: 'PORT_PROTOCOL_UDP',
  icmp: 'PORT_PROTOCOL_ICMP',
};

const PROTOCOL_BY_PROTO: ReadonlyMap<unknown, PortProtocol> = new Map<unknown, PortProtocol>([
  ['PORT_PROTOCOL_UNKNOWN', 'unknown'],
  ['PORT_PROTOCOL_TCP', 'tcp'],
  ['PORT_PROTOCOL_UDP', 'udp'],
  ['PORT_PROTOCOL_ICMP', 'icmp'],
  [0, 'unknown'],
  [1, 'tcp'],
  [2, 'udp'],
  [3, 'icmp'],
]);

const KINDS = [
  'none',
  'boolean',
  'count',
  'integer',
  'real',
  'string',
  'address',
  'subnet',
  'port',
  'timestamp',
  'timespan',
  'enum_value',
  'set',
  'table',
  'vector',
] as const;
type ProtoKind = (typeof KINDS)[number];

/**
 * The protobuf form of `value`.
 * @throws DataEncodeError for a string that is not UTF-8 (protobuf strings are UTF-8).
 */
export function toProto(value: Data): ProtoData {
  switch (value.kind) {
    case 'none':
      return { kind: 'none', none: {} };
    case 'boolean':
      return { kind: 'boolean', boolean: value.value };
    case 'count':
      return { kind: 'count', count: value.value.toString() };
    case 'integer':
      return { kind: 'integer', integer: value.value.toString() };
    case 'real':
      return { kind: 'real', real: value.value };
    case 'string': {
      const x = value.value;
      if (typeof x === 'string') return { kind: 'string', string: x };
      const c = canonicalBytes(x);
      if (typeof c === 'string') return { kind: 'string', string: c };
      // data.proto's `string` field must be UTF-8; the binary codec carries any bytes.
      throw new DataEncodeError(
        'a string that is not UTF-8 has no protobuf form (use the binary codec)'
      );
    }
    case 'address':
      return { kind: 'address', address: new Uint8Array(value.value.bytes) };
    case 'subnet':
      return {
        kind: 'subnet',
        subnet: { address: new Uint8Array(value.address.bytes), length: value.length },
      };
    case 'port':
      return {
        kind: 'port',
        port: { number: value.number, protocol: PROTO_PROTOCOL[value.protocol] },
      };
    case 'timestamp':
      return { kind: 'timestamp', timestamp: value.value.toString() };
    case 'timespan':
      return { kind: 'timespan', timespan: value.value.toString() };
    case 'enum':
      return { kind: 'enum_value', enum_value: value.name };
    case 'set':
      return { kind: 'set', set: { elements: value.elements.map(toProto) } };
    case 'vector':
      return { kind: 'vector', vector: { elements: value.elements.map(toProto) } };
    case 'table':
      return {
        kind: 'table',
        table: {
          entries: value.entries.map((e) => ({ key: toProto(e.key), value: toProto(e.value) })),
        },
      };
  }
}

/**
 * Converts a decoded protobuf `Data` to `Data`.
 * @throws DataProtoError naming the field path of the problem.
 */
export function fromProto(message: unknown, limits?: Partial<DataLimits>): Data {
  const { maxDepth } = resolveLimits(limits);
  const walk = (m: unknown, path: string, depth: number): Data => {
    if (typeof m !== 'object' || m === null)
      throw new DataProtoError('expected a Data message', path);
    const o = m as Record<string, unknown>;
    const kind = whichKind(o, path);
    const v = o[kind];
    const fp = `${path}.${kind}`;
    const fail = (what: string): never => {
      throw new DataProtoError(what, fp);
    };
    switch (kind) {
      case 'none':
        return NONE;
      case 'boolean':
        if (typeof v !== 'boolean') fail('expected a bool');
        return data.boolean(v as boolean);
      case 'count':
      case 'integer':
      case 'timestamp':
      case 'timespan': {
        const x = toBigInt(v);
        if (x === undefined) return fail('expected a 64-bit integer');
        const [lo, hi] = kind === 'count' ? [0n, MAX_COUNT] : [MIN_INT64, MAX_INT64];
        if (x < lo || x > hi) fail(`${x} is out of range`);
        return { kind, value: x };
      }
      case 'real':
        if (typeof v === 'number') return { kind: 'real', value: v };
        // proto-loader's `json` option renders NaN and infinities as strings.
        if (v === 'NaN' || v === 'Infinity' || v === '-Infinity')
          return { kind: 'real', value: Number(v) };
        return fail('expected a double');
      case 'string':
      case 'enum_value':
        if (typeof v !== 'string') return fail('expected a string');
        if (!isWellFormed(v)) fail('contains a lone surrogate');
        return kind === 'string' ? { kind: 'string', value: v } : { kind: 'enum', name: v };
      case 'address':
        return { kind: 'address', value: toAddress(v, fp) };
      case 'subnet': {
        const s = asObject(v, fp);
        const address = toAddress(s['address'], `${fp}.address`);
        const length = s['length'] ?? 0;
        const max = address.isV4 ? 32 : 128;
        if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > max) {
          throw new DataProtoError(`prefix length must be 0..${max}`, `${fp}.length`);
        }
        return data.subnet(address, length);
      }
      case 'port': {
        const p = asObject(v, fp);
        const n = p['number'] ?? 0;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
          throw new DataProtoError('port number must be 0..65535', `${fp}.number`);
        }
        const protocol = PROTOCOL_BY_PROTO.get(p['protocol'] ?? 0);
        if (protocol === undefined)
          throw new DataProtoError('unknown port protocol', `${fp}.protocol`);
        return { kind: 'port', number: n, protocol };
      }
      case 'set':
      case 'vector': {
        if (depth >= maxDepth) fail(`nests deeper than maxDepth (${maxDepth})`);
        const els = asList(asObject(v, fp)['elements'], `${fp}.elements`).map((e, i) =>
          walk(e, `${fp}.elements[${i}]`, depth + 1)
        );
        return kind === 'set'
          ? { kind: 'set', elements: canonicalSet(els) }
          : { kind: 'vector', elements: els };
      }
      case 'table': {
        if (depth >= maxDepth) fail(`nests deeper than maxDepth (${maxDepth})`);
        const raw = asList(asObject(v, fp)['entries'], `${fp}.entries`);
        const entries: TableEntry[] = raw.map((e, i) => {
          const ep = `${fp}.entries[${i}]`;
          const eo = asObject(e, ep);
          return {
            key: walk(eo['key'], `${ep}.key`, depth + 1),
            value: walk(eo['value'], `${ep}.value`, depth + 1),
          };
        });
        const sorted = canonicalTable(entries);
        if (!Array.isArray(sorted)) {
          const i = entries.findIndex((e) => e.key === sorted.duplicate);
          throw new DataProtoError('repeated table key', `${fp}.entries[${i}].key`);
        }
        return { kind: 'table', entries: sorted };
      }
    }
  };
  return walk(message, '$', 0);
}

function whichKind(o: Record<string, unknown>, path: string): ProtoKind {
  const k = o['kind'];
  if (k !== undefined && k !== null) {
    if (typeof k !== 'string' || !(KINDS as readonly string[]).includes(k)) {
      throw new DataProtoError(`unknown kind ${JSON.stringify(k)}`, `${path}.kind`);
    }
    if (o[k] === undefined || o[k] === null)
      throw new DataProtoError(`kind is ${k} but the field is unset`, path);
    return k as ProtoKind;
  }
  const set = KINDS.filter((name) => o[name] !== undefined && o[name] !== null);
  if (set.length !== 1) {
    throw new DataProtoError(
      set.length === 0 ? 'no kind is set' : `several kinds are set: ${set.join(', ')}`,
      path
    );
  }
  return set[0] as ProtoKind;
}

function asObject(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DataProtoError('expected a message', path);
  return v as Record<string, unknown>;
}

function asList(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DataProtoError('expected a repeated field', path);
  return v;
}

/** 64-bit integers as proto-loader may deliver them: string, number, bigint or Long. */
function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string') return /^-?(0|[1-9][0-9]{0,19})$/.test(v) ? BigInt(v) : undefined;
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: unknown; high: unknown; unsigned?: unknown };
    if (typeof low !== 'number' || typeof high !== 'number') return undefined;
    const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    return unsigned === true ? bits : BigInt.asIntN(64, bits);
  }
  return undefined;
}

function toAddress(v: unknown, path: string): Address {
  if (!(v instanceof Uint8Array) || (v.length !== 4 && v.length !== 16)) {
    throw new DataProtoError('address must be 4 or 16 bytes', path);
  }
  return Address.fromBytes(v);
}

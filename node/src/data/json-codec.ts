/**
 * Broker's JSON encoding (format/json v1): every value is `{"@data-type": T, "data": D}`.
 *
 * | kind | T | D |
 * |---|---|---|
 * | none | `none` | `{}` |
 * | boolean | `boolean` | `true` / `false` |
 * | count, integer | `count`, `integer` | JSON integer, exact to 64 bits in text |
 * | real | `real` | JSON number; `-0.0`; `"nan"`, `"inf"`, `"-inf"` as strings |
 * | string | `string` | JSON string; bytes that are not UTF-8: `{"base64": "<RFC 4648 base64>"}` |
 * | address | `address` | `"10.0.0.1"`, `"2001:db8::1"` |
 * | subnet | `subnet` | `"10.0.0.0/8"` |
 * | port | `port` | `"80/tcp"` (`tcp`, `udp`, `icmp`, `unknown`; `?` accepted) |
 * | timestamp | `timestamp` | `"2022-04-10T07:00:00.000"`, UTC (see time-text.ts) |
 * | timespan | `timespan` | `"1500ms"`, `"0s"` (see time-text.ts) |
 * | enum | `enum-value` | the name |
 * | set, vector | `set`, `vector` | array of values |
 * | table | `table` | array of `{"key": value, "value": value}` |
 *
 * Two forms: the object form (`toJson`/`fromJson`) is plain JavaScript, where a count or
 * integer beyond 2^53 is a `bigint`; the text form (`toJsonText`/`fromJsonText`) is exact.
 * Input is validated fully; a problem throws `DataJsonError` with the JSON path.
 * Sets and tables need not be sorted on input (they are canonicalised); a repeated table key
 * is an error. Keys other than `@data-type` and `data` are ignored at the top level (so a
 * Broker `data-message` object can be passed as is) and rejected below it.
 */
import { Address } from './address.js';
import { Buffer } from 'node:buffer';

import {
  NONE,
  canonicalBytes,
  canonicalSet,
  canonicalTable,
  data,
  formatPort,
  formatSubnet,
  parsePort,
} from './builders.js';
import { DataEncodeError, DataJsonError } from './errors.js';
import { resolveLimits } from './limits.js';
import type { DataLimits } from './limits.js';
import { formatTimespan, formatTimestamp, parseTimespan, parseTimestamp } from './time-text.js';
import { MAX_COUNT, MAX_INT64, MIN_INT64 } from './types.js';
import type { Data, DataKind, TableEntry } from './types.js';
import { isWellFormed } from './unicode.js';

/** A JSON value in the object form; integers beyond 2^53 are bigint. */
export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

/** One typed value in Broker's JSON encoding. */
export interface BrokerJson {
  readonly '@data-type': string;
  readonly data: JsonValue;
}

const TYPE_NAME: Readonly<Record<DataKind, string>> = {
  none: 'none',
  boolean: 'boolean',
  count: 'count',
  integer: 'integer',
  real: 'real',
  string: 'string',
  address: 'address',
  subnet: 'subnet',
  port: 'port',
  timestamp: 'timestamp',
  timespan: 'timespan',
  enum: 'enum-value',
  set: 'set',
  table: 'table',
  vector: 'vector',
};

function realToJson(x: number): JsonValue {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return x;
}

/** The object form of `value`. @throws DataEncodeError when nesting exceeds `limits.maxDepth`. */
export function toJson(value: Data, limits?: Partial<DataLimits>): BrokerJson {
  const { maxDepth } = resolveLimits(limits);
  const walk = (v: Data, depth: number): BrokerJson => {
    const t = TYPE_NAME[v.kind];
    switch (v.kind) {
      case 'none':
        return { '@data-type': t, data: {} };
      case 'boolean':
        return { '@data-type': t, data: v.value };
      case 'count':
      case 'integer':
        return {
          '@data-type': t,
          data:
            v.value >= -0x1f_ffff_ffff_ffffn && v.value <= 0x1f_ffff_ffff_ffffn
              ? Number(v.value)
              : v.value,
        };
      case 'real':
        return { '@data-type': t, data: realToJson(v.value) };
      case 'string': {
        const x = v.value;
        // JSON text is Unicode: bytes that are not UTF-8 travel as base64 (a string held as
        // bytes that are UTF-8 after all is written as the text it is).
        if (typeof x === 'string') return { '@data-type': t, data: x };
        const c = canonicalBytes(x);
        return {
          '@data-type': t,
          data:
            typeof c === 'string'
              ? c
              : { base64: Buffer.from(c.buffer, c.byteOffset, c.length).toString('base64') },
        };
      }
      case 'enum':
        return { '@data-type': t, data: v.name };
      case 'address':
        return { '@data-type': t, data: v.value.toString() };
      case 'subnet':
        return { '@data-type': t, data: formatSubnet(v) };
      case 'port':
        return { '@data-type': t, data: formatPort(v) };
      case 'timestamp':
        return { '@data-type': t, data: formatTimestamp(v.value) };
      case 'timespan':
        return { '@data-type': t, data: formatTimespan(v.value) };
      case 'set':
      case 'vector':
        if (depth >= maxDepth)
          throw new DataEncodeError(`value nests deeper than maxDepth (${maxDepth})`);
        return {
          '@data-type': t,
          data: v.elements.map((e) => walk(e, depth + 1) as unknown as JsonValue),
        };
      case 'table':
        if (depth >= maxDepth)
          throw new DataEncodeError(`value nests deeper than maxDepth (${maxDepth})`);
        return {
          '@data-type': t,
          data: v.entries.map((e) => ({
            key: walk(e.key, depth + 1) as unknown as JsonValue,
            value: walk(e.value, depth + 1) as unknown as JsonValue,
          })),
        };
    }
  };
  return walk(value, 0);
}

/** Exact JSON text of `value` (compact, Broker's key order). */
export function toJsonText(value: Data, limits?: Partial<DataLimits>): string {
  return stringify(toJson(value, limits) as unknown as JsonValue);
}

function stringify(v: JsonValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      // JSON.stringify drops the sign of -0; Broker-style `-0.0` keeps it.
      return Object.is(v, -0) ? '-0.0' : JSON.stringify(v);
    case 'string':
      return JSON.stringify(v);
    default:
      if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
      return `{${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}:${stringify(x)}`)
        .join(',')}}`;
  }
}

/**
 * A JSON number written with a fraction or an exponent (text form only): a real may take it,
 * a count or an integer may not (`10.0` and `1e19` are refused alike), and a literal beyond a
 * double's range (`1e400`) is refused rather than read as infinity.
 */
class NumberLiteral {
  constructor(
    readonly value: number,
    readonly source: string
  ) {}
}

interface ParseContext {
  readonly source?: string;
}

/**
 * Parses Broker JSON text. Integers beyond 2^53 stay exact.
 * @throws DataJsonError naming the JSON path of the problem.
 */
export function fromJsonText(text: string, limits?: Partial<DataLimits>): Data {
  const lim = resolveLimits(limits);
  if (typeof text !== 'string') throw new DataJsonError('input is not a string', '$');
  if (text.length > lim.maxBytes) {
    throw new DataJsonError(
      `text of ${text.length} characters exceeds maxBytes (${lim.maxBytes})`,
      '$'
    );
  }
  // A value of depth d needs at most 3 brackets per level (value object, array, table entry);
  // checking first keeps JSON.parse's recursion bounded on hostile input.
  const maxBrackets = 3 * lim.maxDepth + 4;
  if (bracketDepth(text, maxBrackets) > maxBrackets) {
    throw new DataJsonError(`value nests deeper than maxDepth (${lim.maxDepth})`, '$');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key: string, value: unknown, ctx?: ParseContext) => {
      if (typeof value !== 'number' || ctx?.source === undefined) return value;
      // Integer literals are exact at any size; "-0" stays a number (the real -0).
      if (/^-?\d+$/.test(ctx.source)) return ctx.source === '-0' ? -0 : BigInt(ctx.source);
      // A fraction or an exponent is a real's spelling, never a count's or an integer's.
      return new NumberLiteral(value, ctx.source);
    });
  } catch (e) {
    throw new DataJsonError(`not JSON: ${e instanceof Error ? e.message : String(e)}`, '$', {
      cause: e,
    });
  }
  return fromJson(parsed, lim);
}

/** Deepest bracket nesting outside strings, stopping early once past `stopAt`. */
function bracketDepth(text: string, stopAt: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Converts the object form (as from `JSON.parse`) to `Data`.
 * @throws DataJsonError naming the JSON path of the problem.
 */
export function fromJson(json: unknown, limits?: Partial<DataLimits>): Data {
  const { maxDepth } = resolveLimits(limits);
  const walk = (j: unknown, path: string, depth: number, top: boolean): Data => {
    if (typeof j !== 'object' || j === null || Array.isArray(j) || j instanceof NumberLiteral) {
      throw new DataJsonError('expected an object with "@data-type" and "data"', path);
    }
    const o = j as Record<string, unknown>;
    if (!top) {
      for (const k of Object.keys(o)) {
        if (k !== '@data-type' && k !== 'data')
          throw new DataJsonError(`unexpected key ${JSON.stringify(k)}`, path);
      }
    }
    const t = o['@data-type'];
    if (typeof t !== 'string')
      throw new DataJsonError('"@data-type" is missing or not a string', path);
    if (!Object.hasOwn(o, 'data')) throw new DataJsonError('"data" is missing', path);
    const d = o['data'];
    const dp = `${path}.data`;
    const fail = (what: string): never => {
      throw new DataJsonError(`${t}: ${what}`, dp);
    };
    switch (t) {
      case 'none':
        if (
          typeof d !== 'object' ||
          d === null ||
          Array.isArray(d) ||
          Object.keys(d).length !== 0
        ) {
          fail('expected {}');
        }
        return NONE;
      case 'boolean':
        if (typeof d !== 'boolean') fail('expected true or false');
        return data.boolean(d as boolean);
      case 'count':
      case 'integer': {
        if (d instanceof NumberLiteral)
          return fail(
            `expected an integer literal, got ${d.source} (no fraction or exponent in a ${t})`
          );
        const x = jsonInteger(d);
        if (x === undefined) return fail('expected an exact integer');
        const [lo, hi] = t === 'count' ? [0n, MAX_COUNT] : [MIN_INT64, MAX_INT64];
        if (x < lo || x > hi) fail(`${x} is out of range`);
        return { kind: t, value: x };
      }
      case 'real': {
        if (d instanceof NumberLiteral) {
          if (!Number.isFinite(d.value))
            return fail(`${d.source} is beyond the range of a double (write "inf" or "-inf")`);
          return { kind: 'real', value: d.value };
        }
        if (typeof d === 'number') return { kind: 'real', value: d };
        if (typeof d === 'bigint') return { kind: 'real', value: Number(d) };
        const special = typeof d === 'string' ? SPECIAL_REALS.get(d) : undefined;
        if (special === undefined) return fail('expected a number, "nan", "inf" or "-inf"');
        return { kind: 'real', value: special };
      }
      case 'string':
        if (typeof d === 'object' && d !== null && !Array.isArray(d))
          return { kind: 'string', value: canonicalBytes(base64Bytes(d, fail)) };
        if (typeof d !== 'string') return fail('expected a string or {"base64": "..."}');
        if (!isWellFormed(d))
          fail('contains a lone surrogate (write bytes that are not UTF-8 as {"base64": "..."})');
        return { kind: 'string', value: d };
      case 'enum-value': {
        if (typeof d !== 'string') return fail('expected a string');
        if (!isWellFormed(d)) fail('contains a lone surrogate');
        return { kind: 'enum', name: d };
      }
      case 'address': {
        if (typeof d !== 'string') return fail('expected a string');
        try {
          return { kind: 'address', value: Address.parse(d) };
        } catch {
          return fail(`not an IP address: ${JSON.stringify(d)}`);
        }
      }
      case 'subnet': {
        if (typeof d !== 'string') return fail('expected a string');
        try {
          return data.subnet(d);
        } catch (e) {
          return fail(e instanceof Error ? e.message : String(e));
        }
      }
      case 'port': {
        const p = typeof d === 'string' ? parsePort(d) : undefined;
        return p ?? fail('expected "<0..65535>/<tcp|udp|icmp|unknown>"');
      }
      case 'timestamp': {
        const ns = typeof d === 'string' ? parseTimestamp(d) : undefined;
        if (ns === undefined)
          return fail('expected "YYYY-MM-DDThh:mm:ss[.fraction]" within int64 nanoseconds');
        return { kind: 'timestamp', value: ns };
      }
      case 'timespan': {
        const ns = typeof d === 'string' ? parseTimespan(d) : undefined;
        if (ns === undefined)
          return fail('expected "<integer><ns|us|ms|s|min|h|d>" within int64 nanoseconds');
        return { kind: 'timespan', value: ns };
      }
      case 'set':
      case 'vector': {
        if (!Array.isArray(d)) return fail('expected an array');
        if (depth >= maxDepth) fail(`nests deeper than maxDepth (${maxDepth})`);
        const els = d.map((e, i) => walk(e, `${dp}[${i}]`, depth + 1, false));
        return t === 'set'
          ? { kind: 'set', elements: canonicalSet(els) }
          : { kind: 'vector', elements: els };
      }
      case 'table': {
        if (!Array.isArray(d)) return fail('expected an array of {"key", "value"}');
        if (depth >= maxDepth) fail(`nests deeper than maxDepth (${maxDepth})`);
        const entries: TableEntry[] = d.map((e, i) => {
          const ep = `${dp}[${i}]`;
          if (typeof e !== 'object' || e === null || Array.isArray(e)) {
            throw new DataJsonError('expected {"key", "value"}', ep);
          }
          const eo = e as Record<string, unknown>;
          for (const k of Object.keys(eo)) {
            if (k !== 'key' && k !== 'value')
              throw new DataJsonError(`unexpected key ${JSON.stringify(k)}`, ep);
          }
          if (!Object.hasOwn(eo, 'key') || !Object.hasOwn(eo, 'value'))
            throw new DataJsonError('needs "key" and "value"', ep);
          return {
            key: walk(eo['key'], `${ep}.key`, depth + 1, false),
            value: walk(eo['value'], `${ep}.value`, depth + 1, false),
          };
        });
        const sorted = canonicalTable(entries);
        if (!Array.isArray(sorted)) {
          const i = entries.findIndex((e) => e.key === sorted.duplicate);
          throw new DataJsonError('repeated table key', `${dp}[${i}].key`);
        }
        return { kind: 'table', entries: sorted };
      }
      default:
        throw new DataJsonError(`unknown "@data-type" ${JSON.stringify(t)}`, path);
    }
  };
  return walk(json, '$', 0, true);
}

/** Canonical base64 (RFC 4648 section 4, padded): Buffer.from would skip stray characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a string's `{"base64": "..."}` form. */
function base64Bytes(d: object, fail: (what: string) => never): Uint8Array {
  const keys = Object.keys(d);
  const b64 = (d as Record<string, unknown>)['base64'];
  if (keys.length !== 1 || keys[0] !== 'base64' || typeof b64 !== 'string')
    return fail('expected a string or {"base64": "..."}');
  if (!BASE64.test(b64)) return fail('"base64" is not padded base64 (A-Z a-z 0-9 + /)');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

const SPECIAL_REALS: ReadonlyMap<string, number> = new Map([
  ['nan', NaN],
  ['NaN', NaN],
  ['inf', Infinity],
  ['Infinity', Infinity],
  ['-inf', -Infinity],
  ['-Infinity', -Infinity],
]);

function jsonInteger(d: unknown): bigint | undefined {
  if (typeof d === 'bigint') return d;
  if (typeof d === 'number' && Number.isSafeInteger(d)) return BigInt(d);
  return undefined;
}

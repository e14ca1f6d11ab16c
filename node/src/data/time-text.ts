/**
 * Text forms of timestamps and timespans used by the JSON codec.
 *
 * Timestamp: ISO 8601 `YYYY-MM-DDThh:mm:ss.fff` like Broker, but always UTC (Broker prints
 * local time) and with 9 fraction digits when the value is not a whole millisecond, so no
 * nanosecond is lost. Input may have 0..9 fraction digits and an optional `Z`.
 *
 * Timespan: an integer and a unit like Broker: `0s`, `1500ns`, `3us`, `15ms`, `23s`, with
 * the coarsest of ns/us/ms/s that keeps the value exact. Input also takes `min`, `h` and `d`.
 */
import { MAX_INT64, MIN_INT64 } from './types.js';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Formats nanoseconds since the epoch as UTC ISO 8601 text. */
export function formatTimestamp(ns: bigint): string {
  // Floor division so that times before 1970 get a positive fraction.
  let secs = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const head =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const f = Number(frac);
  return frac % NS_PER_MS === 0n ? `${head}.${pad(f / 1e6, 3)}` : `${head}.${pad(f, 9)}`;
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/** Parses the timestamp text form; undefined when it is not one or is outside int64 ns. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  // Date rolls 31 April over to 1 May; a rolled date was not a real one.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    return undefined;
  }
  const fracText = m[7] ?? '';
  const frac = fracText === '' ? 0n : BigInt(fracText.padEnd(9, '0'));
  const ns = BigInt(date.getTime() / 1000) * NS_PER_S + frac;
  return ns < MIN_INT64 || ns > MAX_INT64 ? undefined : ns;
}

const UNITS: readonly (readonly [string, bigint])[] = [
  ['s', NS_PER_S],
  ['ms', NS_PER_MS],
  ['us', 1000n],
  ['ns', 1n],
];

/** Formats a timespan in nanoseconds with the coarsest exact unit of s, ms, us, ns. */
export function formatTimespan(ns: bigint): string {
  if (ns === 0n) return '0s';
  for (const [unit, scale] of UNITS) {
    if (ns % scale === 0n) return `${ns / scale}${unit}`;
  }
  return `${ns}ns`;
}

const SPAN_SCALE: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  ms: NS_PER_MS,
  s: NS_PER_S,
  min: 60n * NS_PER_S,
  h: 3600n * NS_PER_S,
  d: 86400n * NS_PER_S,
};

/** Parses `<integer><unit>`; undefined when it is not one or is outside int64 ns. */
export function parseTimespan(text: string): bigint | undefined {
  const m = /^(-?(?:0|[1-9][0-9]{0,19}))(ns|us|ms|s|min|h|d)$/.exec(text);
  if (m === null) return undefined;
  const scale = SPAN_SCALE[m[2] ?? ''];
  if (scale === undefined) return undefined;
  const ns = BigInt(m[1] ?? '0') * scale;
  return ns < MIN_INT64 || ns > MAX_INT64 ? undefined : ns;
}

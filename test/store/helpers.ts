/** Shared helpers of the store state machine tests. */
import { data, formatPort, formatSubnet } from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';
import { StoreState } from '../../node/src/store/index.js';
import type {
  ApplyOutcome,
  StoreCommand,
  StoreEvent,
  StoreLimits,
  StoreOp,
} from '../../node/src/store/index.js';

export const LIMITS: StoreLimits = {
  maxKeyBytes: 1024,
  maxValueBytes: 64 * 1024,
  maxKeys: 1000,
  maxBytes: 1024 * 1024,
  maxDepth: 8,
};

export const NOW = 1_700_000_000_000_000_000n;

export const s = (x: string): Data => data.string(x);
export const c = (x: number | bigint): Data => data.count(x);
export const i = (x: number | bigint): Data => data.integer(x);

/** A write command of `ops` at the default clock. */
export function write(ops: StoreOp[], now = NOW, publisher = 'peer-1'): StoreCommand {
  return { kind: 'write', requestId: 'r', publisher, nowUnixNs: now, ops };
}

/** A state machine that applies commands at increasing indexes. */
export class Harness {
  readonly state: StoreState;
  index = 0;
  constructor(limits: StoreLimits = LIMITS, state?: StoreState) {
    this.state = state ?? new StoreState(limits);
    this.index = this.state.appliedIndex;
  }
  apply(cmd: StoreCommand): ApplyOutcome {
    return this.state.apply(++this.index, cmd);
  }
  ops(...ops: StoreOp[]): ApplyOutcome {
    return this.apply(write(ops));
  }
  /** Applies and expects success. */
  ok(...ops: StoreOp[]): Extract<ApplyOutcome, { ok: true }> {
    const out = this.ops(...ops);
    if (!out.ok) throw new Error(`expected ok, got ${out.error.code}: ${out.error.message}`);
    return out;
  }
  /** Applies and expects a rejection. */
  err(...ops: StoreOp[]): Extract<ApplyOutcome, { ok: false }> {
    const before = this.state.snapshot();
    const out = this.ops(...ops);
    if (out.ok) throw new Error(`expected an error, got ok`);
    // A rejected batch changes nothing but the applied index.
    expect(contentOf(this.state.snapshot())).toEqual(contentOf(before));
    return out;
  }
  value(key: Data): string | undefined {
    const g = this.state.get(key);
    return g === undefined ? undefined : fmt(g.value);
  }
}

/** Snapshot bytes without the header and checksum, i.e. the entries only. */
export function contentOf(snapshot: Uint8Array): string {
  return Buffer.from(snapshot.subarray(13, snapshot.length - 4)).toString('hex');
}

/** Events as short readable strings, e.g. `insert "a"=1 @3 by peer-1`. */
export function show(events: readonly StoreEvent[]): string[] {
  return events.map((e) => {
    const k = fmt(e.key);
    const exp = 'expiryNs' in e && e.expiryNs !== undefined ? ` exp=${e.expiryNs}` : '';
    switch (e.type) {
      case 'insert':
        return `insert ${k}=${fmt(e.value)}${exp} @${e.index} by ${e.publisher}`;
      case 'update':
        return `update ${k} ${fmt(e.oldValue)}->${fmt(e.value)}${exp} @${e.index} by ${e.publisher}`;
      default:
        return `${e.type} ${k} @${e.index} by ${e.publisher}`;
    }
  });
}

/**
 * A short text form for expectations: counts `5`, integers `+5`/`-5`, reals `1.5r`, strings
 * quoted, timestamps `@5`, timespans `5ns`, sets `{a, b}`, tables `{a: b}` (empty `{:}`),
 * vectors `[a, b]`.
 */
export function fmt(d: Data): string {
  switch (d.kind) {
    case 'none':
      return 'nil';
    case 'boolean':
      return d.value ? 'T' : 'F';
    case 'count':
      return `${d.value}`;
    case 'integer':
      return d.value < 0n ? `${d.value}` : `+${d.value}`;
    case 'real':
      return `${d.value}r`;
    case 'string':
      return JSON.stringify(d.value);
    case 'timestamp':
      return `@${d.value}`;
    case 'timespan':
      return `${d.value}ns`;
    case 'enum':
      return `enum:${d.name}`;
    case 'address':
      return d.value.toString();
    case 'subnet':
      return formatSubnet(d);
    case 'port':
      return formatPort(d);
    case 'set':
      return `{${d.elements.map(fmt).join(', ')}}`;
    case 'table':
      return d.entries.length === 0
        ? '{:}'
        : `{${d.entries.map((e) => `${fmt(e.key)}: ${fmt(e.value)}`).join(', ')}}`;
    case 'vector':
      return `[${d.elements.map(fmt).join(', ')}]`;
  }
}

/**
 * A run of events that share a topic, in publish order: the in-memory twin of the proto
 * `EventRun`. Payload bytes are never decoded by the routing code.
 */
export interface EventRun {
  readonly topic: string;
  /** Concatenated event encodings; `sizes` partitions it exactly (sum(sizes) === data.length). */
  readonly data: Buffer;
  readonly sizes: readonly number[];
  /** Unix time in milliseconds (fractional) at which the accepting node took the run. */
  readonly publishTimeMs: number;
}

/** Splits a run after `count` events into a head of `count` events and the tail. */
export function splitRun(run: EventRun, count: number): [EventRun, EventRun] {
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += run.sizes[i] ?? 0;
  return [
    {
      topic: run.topic,
      data: run.data.subarray(0, bytes),
      sizes: run.sizes.slice(0, count),
      publishTimeMs: run.publishTimeMs,
    },
    {
      topic: run.topic,
      data: run.data.subarray(bytes),
      sizes: run.sizes.slice(count),
      publishTimeMs: run.publishTimeMs,
    },
  ];
}

/** The wall clock with sub-millisecond resolution, comparable across processes on one host. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Proto int64 (as decimal string or number) of unix nanoseconds -> milliseconds. */
export function nsToMs(ns: string | number): number {
  const n = typeof ns === 'number' ? ns : Number(ns);
  return Number.isFinite(n) ? n / 1e6 : 0;
}

/** Milliseconds -> proto int64 unix nanoseconds as a decimal string. */
export function msToNs(ms: number): string {
  return Math.round(ms * 1e6).toString();
}

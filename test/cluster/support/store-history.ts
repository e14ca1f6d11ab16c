import type { Operation, RegisterInput, RegisterOutput } from '../../lincheck/index.js';

/**
 * What the Jepsen-style store test records: every operation a client issued, with the times it
 * was invoked and completed and how it ended. Pure: no I/O, the clock is passed in.
 */

/**
 * ok: the answer arrived; failed: the operation certainly had no effect (a read that failed,
 * or a write the server marked `not-applied`); unknown: a write that may or may not have
 * taken effect (`unknown` trailer, DEADLINE_EXCEEDED, a broken connection).
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

export interface RecordedOp {
  /** Position in the history (invocation order). */
  readonly id: number;
  /** The worker that issued it. */
  readonly worker: number;
  /**
   * Jepsen's process: a worker takes a new one after an unknown outcome, since it can no
   * longer say whether its last operation happened. At most one operation in flight each.
   */
  readonly process: number;
  /** The peer the request was sent to. */
  readonly peer: string;
  /** `key` is `store/key`, so one model covers every store. */
  readonly input: RegisterInput;
  readonly call: number;
  /** Invariant: undefined while in flight, then > call. */
  return: number | undefined;
  outcome: Outcome | undefined;
  /** Set exactly when outcome is ok. */
  output: RegisterOutput | undefined;
  /** Why it failed or is unknown (gRPC status and trailer), for reports. */
  error: string | undefined;
}

/** The history is bounded: past this many operations `invoke` throws. */
export const MAX_OPS = 200_000;

/** Records operations; one instance per test run. */
export class HistoryRecorder {
  private readonly list: RecordedOp[] = [];
  /** worker -> its current process id. */
  private readonly processes = new Map<number, number>();
  private nextProcess = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get ops(): readonly RecordedOp[] {
    return this.list;
  }

  /** Starts an operation; complete it with exactly one of ok / failed / unknown. */
  invoke(worker: number, peer: string, input: RegisterInput): RecordedOp {
    if (this.list.length >= MAX_OPS) {
      throw new Error(`history is full (${MAX_OPS} operations): the run is too long`);
    }
    let process = this.processes.get(worker);
    if (process === undefined) this.processes.set(worker, (process = this.nextProcess++));
    const op: RecordedOp = {
      id: this.list.length,
      worker,
      process,
      peer,
      input,
      call: this.now(),
      return: undefined,
      outcome: undefined,
      output: undefined,
      error: undefined,
    };
    this.list.push(op);
    return op;
  }

  ok(op: RecordedOp, output: RegisterOutput): void {
    this.complete(op, 'ok');
    op.output = output;
  }

  failed(op: RecordedOp, error: string): void {
    this.complete(op, 'failed');
    op.error = error;
  }

  unknown(op: RecordedOp, error: string): void {
    this.complete(op, 'unknown');
    op.error = error;
    this.processes.delete(op.worker);
  }

  private complete(op: RecordedOp, outcome: Outcome): void {
    if (op.outcome !== undefined) {
      throw new Error(`operation ${op.id} completed twice (${op.outcome}, then ${outcome})`);
    }
    // Equal readings of a coarse clock must still give return > call.
    op.return = Math.max(this.now(), op.call + 1e-6);
    op.outcome = outcome;
  }
}

/**
 * The history in lincheck's form: ok operations as they were; unknown writes with return =
 * Infinity (they may have taken effect at any time after their call); operations that
 * certainly had no effect (failed, and reads of unknown outcome, which change nothing) left
 * out. Operations still in flight count as unknown.
 */
export function toLincheck(
  ops: readonly RecordedOp[]
): Array<Operation<RegisterInput, RegisterOutput>> {
  const out: Array<Operation<RegisterInput, RegisterOutput>> = [];
  for (const op of ops) {
    if (op.outcome === 'ok') {
      out.push({
        client: op.process,
        input: op.input,
        call: op.call,
        return: op.return!,
        output: op.output,
      });
    } else if (op.outcome !== 'failed' && op.input.kind !== 'read') {
      out.push({
        client: op.process,
        input: op.input,
        call: op.call,
        return: Infinity,
        output: undefined,
      });
    }
  }
  return out;
}

/** The value an operation tries to write, if it writes. */
function writtenValue(input: RegisterInput): string | undefined {
  return input.kind === 'read' ? undefined : input.value;
}

/** Whether an operation is an acknowledged write: a put that returned, a swap that happened. */
function acknowledgedWrite(op: RecordedOp): boolean {
  if (op.outcome !== 'ok' || op.output === undefined) return false;
  return op.output.kind === 'write' || (op.output.kind === 'cas' && op.output.swapped);
}

/**
 * Every acknowledged write is still there at the end: for each key, the final read's value
 * was written by an operation that did not complete before some acknowledged write of the
 * key began (that write would then have replaced it). `finals` maps key -> the value the
 * final linearizable read returned. Returns the problems found.
 */
export function checkAcknowledgedWrites(
  ops: readonly RecordedOp[],
  finals: ReadonlyMap<string, string | null>
): string[] {
  const problems: string[] = [];
  const writers = new Map<string, RecordedOp[]>();
  for (const op of ops) {
    if (op.input.kind === 'read') continue;
    let list = writers.get(op.input.key);
    if (list === undefined) writers.set(op.input.key, (list = []));
    list.push(op);
  }
  for (const [key, list] of writers) {
    const acked = list.filter(acknowledgedWrite);
    if (acked.length === 0) continue;
    if (!finals.has(key)) {
      problems.push(`${key}: no final read`);
      continue;
    }
    const final = finals.get(key)!;
    if (final === null) {
      problems.push(`${key}: absent at the end although ${acked.length} writes were acknowledged`);
      continue;
    }
    // A write that certainly had no effect (refused, or a compare-and-set that did not swap)
    // cannot be the final value.
    const writer = list.find(
      (op) =>
        writtenValue(op.input) === final &&
        (acknowledgedWrite(op) || op.outcome !== 'ok') &&
        op.outcome !== 'failed'
    );
    if (writer === undefined) {
      problems.push(`${key}: final value ${JSON.stringify(final)} was never written`);
      continue;
    }
    const end = writer.outcome === 'ok' ? writer.return! : Infinity;
    const lost = acked.find((a) => a !== writer && end < a.call);
    if (lost !== undefined) {
      problems.push(
        `${key}: acknowledged write op ${lost.id} (${JSON.stringify(writtenValue(lost.input))}) is lost: ` +
          `the final value ${JSON.stringify(final)} was written by op ${writer.id}, which completed before it began`
      );
    }
  }
  return problems;
}

/** Counts by outcome and by operation kind, for the run's summary and its floors. */
export interface HistoryStats {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly unknown: number;
  readonly okByKind: Readonly<Record<RegisterInput['kind'], number>>;
  /** Compare-and-sets that returned swapped = true. */
  readonly swaps: number;
  /** Error texts by count (the most frequent first). */
  readonly errors: ReadonlyArray<readonly [string, number]>;
}

export function historyStats(ops: readonly RecordedOp[]): HistoryStats {
  const okByKind = { read: 0, write: 0, cas: 0 };
  const errors = new Map<string, number>();
  let ok = 0;
  let failed = 0;
  let unknown = 0;
  let swaps = 0;
  for (const op of ops) {
    if (op.outcome === 'ok') {
      ok++;
      okByKind[op.input.kind]++;
      if (op.output?.kind === 'cas' && op.output.swapped) swaps++;
    } else {
      if (op.outcome === 'failed') failed++;
      else unknown++;
      const e = op.error ?? 'in flight';
      errors.set(e, (errors.get(e) ?? 0) + 1);
    }
  }
  return {
    total: ops.length,
    ok,
    failed,
    unknown,
    okByKind,
    swaps,
    errors: [...errors.entries()].sort((a, b) => b[1] - a[1]),
  };
}

/** Ok operations that ran entirely inside one of `windows` ([start, end] times). */
export function okWithin(
  ops: readonly RecordedOp[],
  windows: ReadonlyArray<readonly [number, number]>
): number {
  return ops.filter(
    (op) =>
      op.outcome === 'ok' && windows.some(([s, e]) => op.call >= s && (op.return ?? Infinity) <= e)
  ).length;
}

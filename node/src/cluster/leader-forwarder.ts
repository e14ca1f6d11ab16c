/**
 * Forwarding a request to the member that can serve it (a group's leader for writes, a replica
 * for reads, the meta leader for admin changes) when this peer cannot.
 *
 * A forwarding peer's first guess can be wrong: the leader it knows of, or the one the map
 * prefers, or the first replica listed, may not lead the group (leadership moved, an election
 * is running, the map is newer there). So the receiver of a forwarded request it cannot serve
 * refuses it with the leader it knows of in the `broker-leader` trailer, and the forwarder
 * follows that hint, or, without one, tries the next candidate after a short pause; bounded by
 * MAX_ATTEMPTS and by the request's own deadline. The receiver never forwards a forwarded
 * request again, so no request travels in a circle.
 *
 * Why a retried write cannot apply twice: only a refusal whose verdict is `not-applied` (the
 * receiver's `broker-outcome` trailer, which the replication layer sets only when the command
 * was never appended to a leader's log) or a connection that was never established is retried.
 * A write whose outcome is unknown (a timeout, a connection lost after sending) is never
 * retried; the caller gets the unknown verdict. The command's requestId is drawn fresh by the
 * leader that proposes it and is not a deduplication key; nothing here needs one.
 */
import * as grpc from '@grpc/grpc-js';
import {
  ClusterRequestError,
  LEADER_HINT_TRAILER,
  OUTCOME_TRAILER,
  type WriteOutcome,
} from './errors.js';

/** Tries per request at most (hints followed plus candidates tried). */
export const MAX_ATTEMPTS = 16;
/** Pauses between tries without a new hint: doubling from the first, capped at the second. */
const PAUSE_MIN_MS = 25;
const PAUSE_MAX_MS = 250;
/** Groups whose leader is remembered (the map's store limit, plus meta). */
const MAX_LEARNED = 4097;

export interface ForwardRequest<T> {
  /** The group the request is for (the learned leader is kept per group). */
  readonly group: string;
  /** For messages: what the request is about, e.g. `store s1`. */
  readonly what: string;
  /**
   * The members to try, best first, asked again before every try (the local replica and the
   * map change meanwhile). May include this peer; it is skipped.
   */
  readonly candidates: () => readonly (string | undefined)[];
  readonly addressOf: (id: string) => string | undefined;
  /** Sends the request to `address` with at most `timeoutMs`. */
  readonly send: (address: string, timeoutMs: number) => Promise<T>;
  readonly timeoutMs: number;
  /**
   * True when a request whose outcome is unknown may be sent again (reads); false for writes,
   * which are retried only when certainly not applied.
   */
  readonly idempotent: boolean;
  /** Whether a member that answered is the group's leader (true for writes). */
  readonly learnLeader: boolean;
}

/** Whether a failed forwarded call may be tried elsewhere, and where the receiver pointed. */
export interface RetryVerdict {
  readonly retry: boolean;
  readonly outcome: WriteOutcome;
  readonly hint: string | undefined;
}

/** Reads a forwarded call's failure: the receiver's verdict and hint, if it sent them. */
export function retryVerdict(e: unknown, idempotent: boolean): RetryVerdict {
  const se = e as Partial<grpc.ServiceError>;
  const md = se.metadata instanceof grpc.Metadata ? se.metadata : undefined;
  const verdict = md?.get(OUTCOME_TRAILER)[0];
  const rawHint = md?.get(LEADER_HINT_TRAILER)[0];
  const hint = typeof rawHint === 'string' && rawHint !== '' ? rawHint : undefined;
  const neverSent =
    verdict === undefined &&
    se.code === grpc.status.UNAVAILABLE &&
    (se.details ?? '').includes('No connection established');
  const outcome: WriteOutcome = verdict === 'not-applied' || neverSent ? 'not-applied' : 'unknown';
  // Only UNAVAILABLE says "not here / not now"; every other code is the request's answer.
  const retry = se.code === grpc.status.UNAVAILABLE && (outcome === 'not-applied' || idempotent);
  return { retry, outcome, hint };
}

export class LeaderForwarder {
  /**
   * The member that last served a write of each group (or was named by a hint): the first
   * guess next time. Bounded by MAX_LEARNED (oldest forgotten first).
   */
  private readonly learned = new Map<string, string>();

  constructor(private readonly selfId: string) {}

  /** The member this peer last found leading `group`, if any. */
  learnedLeader(group: string): string | undefined {
    return this.learned.get(group);
  }

  private learn(group: string, id: string): void {
    this.learned.delete(group);
    if (this.learned.size >= MAX_LEARNED) {
      const oldest = this.learned.keys().next().value;
      if (oldest !== undefined) this.learned.delete(oldest);
    }
    this.learned.set(group, id);
  }

  private forget(group: string, id: string): void {
    if (this.learned.get(group) === id) this.learned.delete(group);
  }

  /**
   * Sends the request to the members that may serve it until one does, within the request's
   * deadline and MAX_ATTEMPTS tries. The error is the last member's, with its verdict.
   */
  async forward<T>(r: ForwardRequest<T>): Promise<T> {
    const deadline = performance.now() + r.timeoutMs;
    const tried = new Set<string>();
    let hint: string | undefined;
    /** Tries that gave no new hint: the next candidate is taken in turn. */
    let misses = 0;
    /** Pauses so far: each one longer (an election can take a while). */
    let waits = 0;
    let last: ClusterRequestError | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const left = deadline - performance.now();
      if (left <= 1) break;
      const list = this.candidateList(r);
      const id = hint ?? list[misses % Math.max(1, list.length)];
      hint = undefined;
      const address = id === undefined ? undefined : r.addressOf(id);
      if (id === undefined || address === undefined) {
        last = new ClusterRequestError(
          grpc.status.UNAVAILABLE,
          `${r.what} has no reachable leader right now`,
          'not-applied'
        );
        misses++;
        await pause(++waits, deadline);
        continue;
      }
      tried.add(id);
      try {
        const res = await r.send(address, left);
        if (r.learnLeader) this.learn(r.group, id);
        return res;
      } catch (e) {
        const v = retryVerdict(e, r.idempotent);
        last = remoteError(e, id, v.outcome);
        if (!v.retry) throw last;
        this.forget(r.group, id);
        if (v.hint !== undefined && v.hint !== this.selfId && v.hint !== id) {
          if (r.learnLeader) this.learn(r.group, v.hint);
          hint = v.hint;
          // A hint to a member not tried yet is followed at once; one that points back (the
          // two disagree: an election is running) waits like a miss.
          if (!tried.has(v.hint)) continue;
        } else {
          misses++;
        }
        await pause(++waits, deadline);
      }
    }
    throw new ClusterRequestError(
      last?.code ?? grpc.status.UNAVAILABLE,
      `${r.what}: no member could serve the request within ${Math.round(r.timeoutMs)} ms` +
        (last !== undefined ? ` (last: ${last.message})` : ''),
      last?.outcome ?? 'not-applied',
      { cause: last }
    );
  }

  private candidateList<T>(r: ForwardRequest<T>): string[] {
    const out: string[] = [];
    const add = (id: string | undefined): void => {
      if (id !== undefined && id !== '' && id !== this.selfId && !out.includes(id)) out.push(id);
    };
    const first = r.candidates();
    // What this peer's own replica says comes first (it is the freshest), then what it learned.
    add(first[0]);
    if (r.learnLeader) add(this.learned.get(r.group));
    for (const id of first.slice(1)) add(id);
    return out;
  }
}

function pause(n: number, deadline: number): Promise<void> {
  const ms = Math.min(PAUSE_MAX_MS, PAUSE_MIN_MS * 2 ** Math.max(0, n - 1));
  const left = deadline - performance.now() - 1;
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, left))));
}

/** A forwarded call's failure as this peer's error, keeping the receiver's verdict. */
export function remoteError(e: unknown, via: string, outcome: WriteOutcome): ClusterRequestError {
  const se = e as Partial<grpc.ServiceError>;
  const code = typeof se.code === 'number' ? se.code : grpc.status.UNAVAILABLE;
  return new ClusterRequestError(
    code,
    `via ${via}: ${se.details ?? se.message ?? String(e)}`,
    outcome,
    { cause: e }
  );
}

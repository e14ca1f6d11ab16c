// A client that keeps reading and writing one store of a BrokerCluster while the lifecycle
// test scales, rolls, kills and wipes its peers, and records every operation for lincheck.
//
// It goes to the pod addresses the client Service selects: there is no kube-proxy (and so no
// Service virtual IP) on the test kubelet, so each operation reads from the Service's
// Endpoints (refreshed in the background) and picks the next ready address, as a client
// behind the Service would be spread over them.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { BrokerStoreClient } from '../../../node/src/gen/broker/v1/BrokerStore.js';
import {
  checkLinearizable,
  registerModel,
  type RegisterInput,
  type RegisterOutput,
  versionContractViolations,
} from '../../lincheck/index.js';
import {
  checkAcknowledgedWrites,
  HistoryRecorder,
  historyStats,
  okWithin,
  toLincheck,
  type HistoryStats,
} from '../../cluster/support/store-history.js';
import {
  compareAndSet,
  describeError,
  get,
  put,
  storeClient,
  writeOutcome,
} from '../../cluster/support/store-ops.js';

/** Past this, a write's outcome is unknown. */
const OP_TIMEOUT_MS = 3_000;
/** Pause between two operations of a worker: keeps the history small enough to check. */
const THINK_MS = 40;
const KEYS_PER_STEP = 3;
const ENDPOINTS_REFRESH_MS = 500;
/** Final reads per key before giving up. */
const FINAL_READ_TRIES = 40;

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface WriterOptions {
  readonly core: CoreV1Api;
  readonly namespace: string;
  /** The client Service (its Endpoints' ready addresses are where requests go). */
  readonly service: string;
  readonly store: string;
  readonly port: number;
  readonly workers: number;
}

/** One lifecycle step the writer ran through, as [start, end] on the recorder's clock. */
export interface StepWindow {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export interface WriterReport {
  readonly stats: HistoryStats;
  /** Problems found: non-linearizable keys, lost writes, steps without a single ok write. */
  readonly problems: string[];
  readonly summary: string;
}

/**
 * Each step gets its own keys (`STEP-kN`), so one key's history spans one step: the checker's
 * work grows with the operations per key, not with the length of the whole suite.
 */
export class StoreWriter {
  private readonly rec = new HistoryRecorder(() => performance.now());
  private readonly clients = new Map<string, BrokerStoreClient>();
  private addresses: string[] = [];
  private readonly stop = { stopped: false };
  private running: Promise<void>[] = [];
  private refresher: Promise<void> | undefined;
  private step = 'start';
  private stepStart = performance.now();
  private readonly windows: StepWindow[] = [];
  private readonly keys = new Set<string>();
  private next = 0;
  private lastEndpointsError = '';

  constructor(private readonly o: WriterOptions) {}

  /** Starts the workers once the Service has a ready address (waits up to `timeoutMs`). */
  async start(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    await this.refresh();
    while (this.addresses.length === 0) {
      if (Date.now() > until)
        throw new Error(
          `service ${this.o.service} has no ready endpoint after ${timeoutMs} ms ${this.lastEndpointsError}`
        );
      await delay(250);
      await this.refresh();
    }
    this.refresher = this.refreshLoop();
    this.beginStep('start');
    this.running = Array.from({ length: this.o.workers }, (_, w) => this.worker(w));
  }

  /** Ends the current step's window and opens the next one. */
  beginStep(name: string): void {
    const now = performance.now();
    this.windows.push({ name: this.step, start: this.stepStart, end: now });
    this.step = name;
    this.stepStart = now;
  }

  /**
   * Waits until a write issued in the current step is acknowledged: the store takes writes
   * again after the step (its leader is back), not merely the pods being Ready.
   */
  async awaitAcknowledged(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    const since = this.stepStart;
    const acked = (): boolean =>
      this.rec.ops.some(
        (op) =>
          op.call >= since &&
          op.outcome === 'ok' &&
          (op.output?.kind === 'write' || (op.output?.kind === 'cas' && op.output.swapped))
      );
    while (!acked()) {
      if (Date.now() > until)
        throw new Error(`no write acknowledged in step ${this.step} within ${timeoutMs} ms`);
      await delay(100);
    }
  }

  /**
   * Stops the workers, reads every key once more (linearizable, retried), and checks the
   * whole history: lincheck's versioned register model, every acknowledged write present at
   * the end, and at least one acknowledged write inside each step after `start`.
   */
  async finish(): Promise<WriterReport> {
    this.beginStep('final');
    this.stop.stopped = true;
    await Promise.all(this.running);
    await this.refresher;
    this.stop.stopped = false;
    const finals = new Map<string, string | null>();
    const problems: string[] = [];
    try {
      await this.refresh();
      for (const mk of [...this.keys].sort()) {
        const key = mk.slice(this.o.store.length + 1);
        let value: string | null | undefined;
        for (let t = 0; t < FINAL_READ_TRIES && value === undefined; t++) {
          const out = await this.op(this.o.workers, { kind: 'read', key: mk }, key);
          if (out?.kind === 'read') value = out.value;
          else await delay(250);
        }
        if (value === undefined) problems.push(`${mk}: no final read in ${FINAL_READ_TRIES} tries`);
        else finals.set(mk, value);
      }
    } finally {
      for (const c of this.clients.values()) c.close();
      this.clients.clear();
    }
    const ops = this.rec.ops;
    const stats = historyStats(ops);
    const history = toLincheck(ops);
    const contract = versionContractViolations(history);
    problems.push(...contract.slice(0, 10).map((p) => `version contract: ${p}`));
    const check = checkLinearizable(registerModel, history, {
      maxSteps: 50_000_000,
      timeoutMs: 120_000,
    });
    for (const part of check.partitions) {
      if (part.verdict === 'ok') continue;
      const key = part.operations[0]?.input.key ?? '?';
      problems.push(
        part.verdict === 'illegal'
          ? `${key}: not linearizable (${part.operations.length} operations)`
          : `${key}: the checker ran out of budget (${part.steps} steps)`
      );
    }
    problems.push(...checkAcknowledgedWrites(ops, finals).map((p) => `lost write: ${p}`));
    const acked = ops.filter(
      (op) =>
        op.outcome === 'ok' &&
        (op.output?.kind === 'write' || (op.output?.kind === 'cas' && op.output.swapped))
    );
    const perStep: string[] = [];
    for (const w of this.windows) {
      if (w.name === 'start') continue;
      const n = acked.filter((op) => op.call >= w.start && (op.return ?? Infinity) <= w.end).length;
      const all = okWithin(ops, [[w.start, w.end]]);
      perStep.push(`${w.name}: ${n} acknowledged writes, ${all} ok operations`);
      if (n === 0) problems.push(`step ${w.name}: no write was acknowledged while it ran`);
    }
    const summary =
      `${stats.total} operations: ${stats.ok} ok (${stats.okByKind.read} reads, ` +
      `${stats.okByKind.write} puts, ${stats.okByKind.cas} compare-and-sets, ${stats.swaps} swapped), ` +
      `${stats.failed} failed, ${stats.unknown} unknown; lincheck ${check.verdict} over ` +
      `${check.partitions.length} keys; errors ${JSON.stringify(stats.errors.slice(0, 5))}\n  ` +
      perStep.join('\n  ');
    return { stats, problems, summary };
  }

  private async refresh(): Promise<void> {
    try {
      const ep = await this.o.core.readNamespacedEndpoints({
        name: this.o.service,
        namespace: this.o.namespace,
      });
      const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
      this.addresses = ips.map((ip) => `${ip}:${this.o.port}`).sort();
      this.lastEndpointsError = '';
    } catch (e) {
      // Keep the last addresses: the API server being slow is no reason to stop writing.
      this.lastEndpointsError = (e as Error).message;
    }
  }

  private async refreshLoop(): Promise<void> {
    while (!this.stop.stopped) {
      await delay(ENDPOINTS_REFRESH_MS);
      await this.refresh();
    }
  }

  private client(address: string): BrokerStoreClient {
    let c = this.clients.get(address);
    if (c === undefined) this.clients.set(address, (c = storeClient(address)));
    return c;
  }

  private async worker(w: number): Promise<void> {
    const lastSeen = new Map<string, string>();
    let n = 0;
    while (!this.stop.stopped) {
      const key = `${this.step}-k${(w + n) % KEYS_PER_STEP}`;
      const mk = `${this.o.store}/${key}`;
      const value = `w${w}-${n}`;
      const r = (n * 7 + w * 3) % 10;
      n++;
      const input: RegisterInput =
        r < 4
          ? { kind: 'read', key: mk }
          : r < 7
            ? { kind: 'write', key: mk, value }
            : { kind: 'cas', key: mk, expectedVersion: lastSeen.get(mk) ?? '0', value };
      const output = await this.op(w, input, key);
      if (output !== undefined) lastSeen.set(mk, output.version);
      await delay(THINK_MS);
    }
  }

  /** One operation to the next ready address, recorded from invocation to outcome. */
  private async op(
    w: number,
    input: RegisterInput,
    key: string
  ): Promise<RegisterOutput | undefined> {
    const list = this.addresses;
    const address = list[this.next++ % Math.max(1, list.length)];
    if (address === undefined) {
      await delay(100);
      return undefined;
    }
    this.keys.add(input.key);
    const c = this.client(address);
    const store = this.o.store;
    const op = this.rec.invoke(w, address, input);
    if (input.kind === 'read') {
      const r = await get(c, store, key, OP_TIMEOUT_MS);
      if (!r.ok) {
        this.rec.failed(op, describeError(r.error));
        return undefined;
      }
      const output: RegisterOutput = { kind: 'read', ...r.value };
      this.rec.ok(op, output);
      return output;
    }
    const r =
      input.kind === 'write'
        ? await put(c, store, key, input.value, OP_TIMEOUT_MS)
        : await compareAndSet(c, store, key, input.expectedVersion, input.value, OP_TIMEOUT_MS);
    if (!r.ok) {
      if (writeOutcome(r.error) === 'failed') this.rec.failed(op, describeError(r.error));
      else this.rec.unknown(op, describeError(r.error));
      return undefined;
    }
    const output: RegisterOutput =
      input.kind === 'write'
        ? { kind: 'write', version: (r.value as { version: string }).version }
        : { kind: 'cas', ...(r.value as { swapped: boolean; version: string }) };
    this.rec.ok(op, output);
    return output;
  }
}

/**
 * An in-memory log store that models durability, for deterministic simulation and tests.
 *
 * It keeps two views: the durable state (what survived the last sync) and the staged writes
 * since (an ordered list, like the bytes appended to a WAL after its last fsync). `syncNow()`
 * folds the staged writes into the durable state. `crash()` throws them away, or, with a
 * seeded random function, keeps a prefix of them (possibly ending in part of one append), the
 * way a torn write leaves a prefix of the unsynced tail on disk. It never uses Math.random or
 * time, so a simulation seeded the same way replays exactly.
 */
import type { Entry, GroupId, HardState, Snapshot } from '../raft/types.js';
import { StorageClosedError } from './errors.js';
import { GroupLog } from './group-log.js';
import type { LogStore, RecoveredGroup, SyncLogStore } from './types.js';
import { validateGroupId } from './validate.js';

/** One staged write, in the order it was made. */
type StagedOp =
  | { readonly kind: 'append'; readonly group: GroupId; readonly entries: readonly Entry[] }
  | { readonly kind: 'hard-state'; readonly group: GroupId; readonly hardState: HardState }
  | { readonly kind: 'snapshot'; readonly group: GroupId; readonly snapshot: Snapshot }
  | { readonly kind: 'compact'; readonly group: GroupId; readonly index: number };

/** What a crash kept of the staged writes. */
export interface CrashReport {
  /** Staged writes that were lost entirely. */
  readonly lostWrites: number;
  /** Staged writes that survived whole (a prefix of them, in order). */
  readonly keptWrites: number;
  /** Entries of the first lost append that survived anyway (a torn append), 0 if none. */
  readonly tornEntriesKept: number;
}

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

/** The in-memory, crash-modelling store (see the file comment). Not safe across processes. */
export class MemoryLogStore implements LogStore, SyncLogStore {
  /** What survives a crash. Changed only by syncNow() and crash(). */
  private durable = new Map<GroupId, GroupLog>();
  /** durable with `pending` applied: used to validate new writes against what they extend. */
  private staged = new Map<GroupId, GroupLog>();
  /** Writes since the last sync, oldest first. Invariant: staged = durable + pending. */
  private pending: StagedOp[] = [];
  private closed = false;
  private syncs = 0;

  /** Number of staged writes not yet durable. */
  get pendingWrites(): number {
    return this.pending.length;
  }

  /** Number of syncs that made at least one write durable (what fsyncs a disk store would do). */
  get syncCount(): number {
    return this.syncs;
  }

  append(group: GroupId, entries: readonly Entry[]): void {
    this.checkOpen();
    validateGroupId(group);
    const copy = entries.map(copyEntry);
    this.stagedLog(group).append(copy);
    this.pending.push({ kind: 'append', group, entries: copy });
  }

  setHardState(group: GroupId, hardState: HardState): void {
    this.checkOpen();
    validateGroupId(group);
    const hs: HardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
    this.stagedLog(group).setHardState(hs);
    this.pending.push({ kind: 'hard-state', group, hardState: hs });
  }

  saveSnapshot(group: GroupId, snapshot: Snapshot): void {
    this.checkOpen();
    validateGroupId(group);
    const copy: Snapshot = { meta: snapshot.meta, data: snapshot.data.slice() };
    this.stagedLog(group).saveSnapshot(copy);
    this.pending.push({ kind: 'snapshot', group, snapshot: copy });
  }

  compact(group: GroupId, index: number): void {
    this.checkOpen();
    validateGroupId(group);
    this.stagedLog(group).compact(index);
    this.pending.push({ kind: 'compact', group, index });
  }

  syncNow(): void {
    this.checkOpen();
    if (this.pending.length === 0) return;
    for (const op of this.pending) this.applyDurable(op);
    this.pending = [];
    this.syncs++;
  }

  sync(): Promise<void> {
    try {
      this.syncNow();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  load(): Map<GroupId, RecoveredGroup> {
    this.checkOpen();
    const out = new Map<GroupId, RecoveredGroup>();
    for (const [group, log] of this.durable) out.set(group, log.recovered());
    return out;
  }

  /**
   * Simulates a process crash (or power loss): staged writes are lost. Without `rng` all of
   * them are lost. With `rng` (values in [0, 1)), a prefix of them survives: the first k whole
   * writes, and if the next one is an append, possibly a prefix of its entries. The store stays
   * usable and now holds exactly the durable state, as a restarted process would find it.
   */
  crash(rng?: () => number): CrashReport {
    this.checkOpen();
    const n = this.pending.length;
    let kept = 0;
    let torn = 0;
    if (rng !== undefined && n > 0) {
      kept = Math.min(n, Math.floor(rng() * (n + 1)));
      const next = this.pending[kept];
      if (next !== undefined && next.kind === 'append' && next.entries.length > 1) {
        torn = Math.min(next.entries.length - 1, Math.floor(rng() * next.entries.length));
      }
    }
    for (let i = 0; i < kept; i++) this.applyDurable(this.pending[i] as StagedOp);
    const next = this.pending[kept];
    if (torn > 0 && next !== undefined && next.kind === 'append') {
      this.durableLog(next.group).append(next.entries.slice(0, torn));
    }
    this.pending = [];
    this.staged = new Map();
    for (const [group, log] of this.durable) this.staged.set(group, log.clone());
    return { lostWrites: n - kept, keptWrites: kept, tornEntriesKept: torn };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    try {
      this.syncNow();
    } finally {
      this.closed = true;
    }
    return Promise.resolve();
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageClosedError();
  }

  private stagedLog(group: GroupId): GroupLog {
    let log = this.staged.get(group);
    if (log === undefined) {
      log = new GroupLog(group);
      this.staged.set(group, log);
    }
    return log;
  }

  private durableLog(group: GroupId): GroupLog {
    let log = this.durable.get(group);
    if (log === undefined) {
      log = new GroupLog(group);
      this.durable.set(group, log);
    }
    return log;
  }

  /** Replays a write that was already validated against the same state in `staged`. */
  private applyDurable(op: StagedOp): void {
    const log = this.durableLog(op.group);
    switch (op.kind) {
      case 'append':
        log.append(op.entries);
        break;
      case 'hard-state':
        log.setHardState(op.hardState);
        break;
      case 'snapshot':
        log.saveSnapshot(op.snapshot);
        break;
      case 'compact':
        log.compact(op.index);
        break;
    }
  }
}

/**
 * One store's replica: the store layer's state machine run by its Raft group, plus the
 * recent-event history that watches resume from and the live watchers.
 */
import type { GroupStateMachine } from '../replication/index.js';
import {
  type ApplyOutcome,
  EventHistory,
  type StoreEvent,
  type StoreLimits,
  StoreCommandError,
  StoreOpError,
  StoreState,
  decodeCommand,
} from '../store/index.js';

/** A live watch: told about every applied entry's events, in log order. */
export type StoreWatcher = (events: readonly StoreEvent[], throughIndex: number) => void;

export class StoreMachine implements GroupStateMachine {
  private state: StoreState;
  private history: EventHistory;
  private readonly watchers = new Set<StoreWatcher>();
  /** Invariant: the index of the last entry applied (or restored), never decreasing. */
  private applied = 0;

  constructor(
    readonly store: string,
    private readonly limits: StoreLimits,
    historySize: number,
    /** Called with each applied entry's events (the manager publishes them when leader). */
    private readonly onEvents: (events: readonly StoreEvent[]) => void
  ) {
    this.state = new StoreState(limits);
    this.history = new EventHistory(historySize);
  }

  get current(): StoreState {
    return this.state;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  apply(index: number, bytes: Uint8Array): ApplyOutcome {
    // A command that does not decode was refused by the leader before proposing; one in the
    // log anyway (a bug, or an older format) applies as a failure on every replica alike.
    let command;
    try {
      command = decodeCommand(bytes);
    } catch (e) {
      if (!(e instanceof StoreCommandError)) throw e;
      this.applied = index;
      this.history.append([], index);
      return {
        ok: false,
        error: new StoreOpError(
          'invalid-argument',
          `undecodable command at index ${index}: ${e.message}`
        ),
        events: [],
      };
    }
    const outcome = this.state.apply(index, command);
    this.applied = index;
    this.history.append(outcome.events, index);
    for (const w of this.watchers) w(outcome.events, index);
    if (outcome.events.length > 0) this.onEvents(outcome.events);
    return outcome;
  }

  snapshot(): Uint8Array {
    return this.state.snapshot();
  }

  restore(index: number, bytes: Uint8Array): void {
    this.state = StoreState.restore(bytes, this.limits);
    this.history.reset(index);
    this.applied = index;
    for (const w of this.watchers) w([], index);
  }

  /** Events since `fromIndex`, or where the retained history starts if that is later. */
  since(fromIndex: number): readonly StoreEvent[] | { compacted: true; oldest: number } {
    return this.history.since(fromIndex);
  }

  watch(w: StoreWatcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }
}

import { QueueClosedError } from './errors.js';
import { type EventRun, splitRun } from './event-run.js';

/**
 * A FIFO of event runs bounded by an event count and a byte count. It never grows past its
 * bounds: `offer` takes only the part of a run that fits and hands back the rest.
 */
export class RunQueue {
  /** Runs in order; entries before `head` are consumed. */
  private runs: EventRun[] = [];
  private head = 0;
  /** Invariant: events <= maxEvents and bytes <= maxBytes (a single oversize event excepted, see offer). */
  private eventCount = 0;
  private byteCount = 0;
  private closedReason: string | undefined;
  /** Producers waiting for room, each for the size of the event at the front of its run. */
  private roomWaiters: Array<{ readonly eventBytes: number; readonly wake: () => void }> = [];
  private dataWaiters: Array<() => void> = [];

  constructor(
    readonly maxEvents: number,
    readonly maxBytes: number,
    private readonly label: string
  ) {}

  get events(): number {
    return this.eventCount;
  }

  get bytes(): number {
    return this.byteCount;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  isFull(): boolean {
    return this.eventCount >= this.maxEvents || this.byteCount >= this.maxBytes;
  }

  /**
   * Appends as much of `run` as fits and returns the rest (undefined when all fitted). An
   * empty queue always takes at least one event, so one event larger than `maxBytes` cannot
   * wedge it (the message size limit bounds such an event).
   */
  offer(run: EventRun): EventRun | undefined {
    if (this.closedReason !== undefined) throw new QueueClosedError(this.label);
    let fit = 0;
    let bytes = 0;
    const roomEvents = this.maxEvents - this.eventCount;
    const roomBytes = this.maxBytes - this.byteCount;
    if (run.sizes.length <= roomEvents && run.data.length <= roomBytes && run.sizes.length > 0) {
      // All of it fits (the sizes add up to data.length): no walk over the events.
      this.runs.push(run);
      this.eventCount += run.sizes.length;
      this.byteCount += run.data.length;
      this.wake(this.dataWaiters);
      return undefined;
    }
    while (fit < run.sizes.length && fit < roomEvents) {
      const s = run.sizes[fit] ?? 0;
      if (bytes + s > roomBytes && !(this.eventCount === 0 && fit === 0)) break;
      bytes += s;
      fit++;
    }
    if (fit === 0) return run;
    const [head, tail] = fit === run.sizes.length ? [run, undefined] : splitRun(run, fit);
    this.runs.push(head);
    this.eventCount += fit;
    this.byteCount += bytes;
    this.wake(this.dataWaiters);
    return tail;
  }

  /** Removes up to `maxEvents` events (and about `maxBytes`, at least one event) from the front. */
  take(maxEvents: number, maxBytes = Infinity): EventRun[] {
    const out: EventRun[] = [];
    let events = 0;
    let bytes = 0;
    while (this.head < this.runs.length && events < maxEvents) {
      const run = this.runs[this.head] as EventRun;
      const want = maxEvents - events;
      if (run.sizes.length <= want && bytes + run.data.length <= maxBytes) {
        out.push(run);
        events += run.sizes.length;
        bytes += run.data.length;
        this.head++;
        continue;
      }
      // Take part of the run: as many events as the event and byte budgets allow.
      let n = 0;
      let b = 0;
      while (n < run.sizes.length && n < want) {
        const s = run.sizes[n] ?? 0;
        if (bytes + b + s > maxBytes && !(events === 0 && n === 0)) break;
        b += s;
        n++;
      }
      if (n === run.sizes.length) {
        // A lone event over the byte budget: it goes whole (at least one event per take).
        out.push(run);
        this.head++;
        events += n;
        bytes += b;
      } else if (n > 0) {
        const [front, rest] = splitRun(run, n);
        out.push(front);
        this.runs[this.head] = rest;
        events += n;
        bytes += b;
      }
      break;
    }
    this.consumed(events, bytes);
    return out;
  }

  /** Discards the `count` oldest events; returns how many were discarded. */
  dropOldest(count: number): number {
    let dropped = 0;
    let bytes = 0;
    while (this.head < this.runs.length && dropped < count) {
      const run = this.runs[this.head] as EventRun;
      const want = count - dropped;
      if (run.sizes.length <= want) {
        dropped += run.sizes.length;
        bytes += run.data.length;
        this.head++;
      } else {
        const [front, rest] = splitRun(run, want);
        dropped += want;
        bytes += front.data.length;
        this.runs[this.head] = rest;
      }
    }
    this.consumed(dropped, bytes);
    return dropped;
  }

  /**
   * Resolves when `offer` would take at least the first event of `run` (or the queue is
   * closed). Without a run it waits for room for one empty event. Waiting on "not full"
   * alone is not enough: a queue with a few bytes left is not full, yet takes nothing from
   * a run whose first event is larger than those bytes, and a producer that retried at once
   * would spin without yielding to the consumer.
   */
  waitForRoom(run?: EventRun): Promise<void> {
    const eventBytes = run?.sizes[0] ?? 0;
    if (this.hasRoomFor(eventBytes)) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ eventBytes, wake: resolve }));
  }

  /** Resolves when the queue holds an event (or is closed). */
  waitForData(): Promise<void> {
    if (this.eventCount > 0 || this.closedReason !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /** Closes the queue: waiters wake, later offers throw. Queued runs stay takeable. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.wakeRoomWaiters();
    this.wake(this.dataWaiters);
  }

  /** Discards everything queued; returns the number of events discarded. */
  clear(): number {
    const n = this.eventCount;
    this.runs = [];
    this.head = 0;
    this.eventCount = 0;
    this.byteCount = 0;
    this.wakeRoomWaiters();
    return n;
  }

  private consumed(events: number, bytes: number): void {
    this.eventCount -= events;
    this.byteCount -= bytes;
    if (this.head > 1024 && this.head * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.head);
      this.head = 0;
    }
    if (events > 0) this.wakeRoomWaiters();
  }

  /** Whether `offer` would take an event of `eventBytes` now (an empty queue takes any). */
  private hasRoomFor(eventBytes: number): boolean {
    if (this.closedReason !== undefined || this.eventCount === 0) return true;
    return this.eventCount < this.maxEvents && this.byteCount + eventBytes <= this.maxBytes;
  }

  /** Wakes the room waiters whose event now fits; the others keep waiting. */
  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const waiting = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiting) {
      if (this.hasRoomFor(w.eventBytes)) w.wake();
      else this.roomWaiters.push(w);
    }
  }

  private wake(waiters: Array<() => void>): void {
    if (waiters.length === 0) return;
    const list = waiters.splice(0);
    for (const w of list) w();
  }
}

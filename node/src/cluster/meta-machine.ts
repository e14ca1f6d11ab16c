/** The meta group's state machine: the cluster map, with a change signal for the manager. */
import type { GroupStateMachine } from '../replication/index.js';
import {
  ClusterMap,
  type MetaApplyResult,
  MetaCommandDecodeError,
  decodeMetaCommand,
} from './map/index.js';

export class MetaMachine implements GroupStateMachine {
  private current = new ClusterMap();
  private readonly listeners = new Set<() => void>();

  get map(): ClusterMap {
    return this.current;
  }

  apply(index: number, bytes: Uint8Array): MetaApplyResult {
    let command;
    try {
      command = decodeMetaCommand(bytes);
    } catch (e) {
      // Refused on every replica alike; the map (and its index) stays as it was.
      if (e instanceof MetaCommandDecodeError) return { ok: false, error: e };
      throw e;
    }
    const result = this.current.apply(index, command);
    this.changed();
    return result;
  }

  snapshot(): Uint8Array {
    return this.current.snapshot();
  }

  restore(_index: number, bytes: Uint8Array): void {
    this.current = ClusterMap.restore(bytes);
    this.changed();
  }

  onChange(cb: () => void): void {
    this.listeners.add(cb);
  }

  private changed(): void {
    for (const cb of this.listeners) cb();
  }
}

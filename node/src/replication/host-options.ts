/**
 * ReplicaHostOptions: defaults, ranges and the checks open() runs (ReplicationConfigError
 * names the option), plus the id rules shared by the host.
 */
import { MAX_FRAME_BYTES } from './client-pool.js';
import { ReplicationConfigError } from './errors.js';
import type { ReplicaHostOptions } from './types.js';

const MiB = 1024 * 1024;

/** The options with every default filled in. */
export interface ResolvedHostOptions {
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly snapshotEntries: number;
  readonly snapshotBytes: number;
  readonly compactionTailEntries: number;
  readonly snapshotRateBytesPerSec: number;
  readonly maxPendingProposals: number;
  readonly maxPendingReads: number;
  readonly maxEntryBytes: number;
  readonly peerQueueBytes: number;
  readonly peerQueueFrames: number;
}

/** Defaults of ReplicaHostOptions (docs/replication.md lists them with the flags). */
export const REPLICATION_DEFAULTS: ResolvedHostOptions = {
  tickMs: 100,
  electionTicks: 10,
  heartbeatTicks: 1,
  snapshotEntries: 10_000,
  snapshotBytes: 64 * MiB,
  compactionTailEntries: 5_000,
  snapshotRateBytesPerSec: 64 * MiB,
  maxPendingProposals: 1024,
  maxPendingReads: 4096,
  maxEntryBytes: 4 * MiB,
  peerQueueBytes: 64 * MiB,
  peerQueueFrames: 8192,
};

const RANGES: Record<keyof ResolvedHostOptions, [number, number]> = {
  tickMs: [1, 60_000],
  electionTicks: [2, 10_000],
  heartbeatTicks: [1, 10_000],
  snapshotEntries: [1, 1e9],
  snapshotBytes: [1024, 2 ** 40],
  compactionTailEntries: [0, 1e9],
  snapshotRateBytesPerSec: [1024, 2 ** 40],
  maxPendingProposals: [1, 1e6],
  maxPendingReads: [1, 1e6],
  maxEntryBytes: [1024, MAX_FRAME_BYTES - 64 * 1024],
  peerQueueBytes: [MiB, 2 ** 34],
  peerQueueFrames: [16, 1e6],
};

export function resolveOptions(o: ReplicaHostOptions): ResolvedHostOptions {
  const out: Record<string, number> = {};
  for (const k of Object.keys(REPLICATION_DEFAULTS) as (keyof ResolvedHostOptions)[]) {
    const v = o[k];
    const [min, max] = RANGES[k];
    if (v === undefined) {
      out[k] = REPLICATION_DEFAULTS[k];
      continue;
    }
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new ReplicationConfigError(
        `${k} must be an integer in [${min}, ${max}], got ${String(v)}`
      );
    }
    out[k] = v;
  }
  const r = out as unknown as ResolvedHostOptions;
  if (r.electionTicks <= r.heartbeatTicks) {
    throw new ReplicationConfigError(
      `electionTicks (${r.electionTicks}) must be greater than heartbeatTicks (${r.heartbeatTicks})`
    );
  }
  return r;
}

/** Replica and member ids: the peer id alphabet plus '/' (member/suffix). */
export const REPLICA_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.\-/@]{0,127}$/;

export function defaultMemberOf(replicaId: string): string {
  const i = replicaId.indexOf('/');
  return i < 0 ? replicaId : replicaId.slice(0, i);
}

/** Snapshot data is bounded below the WAL's snapshot file limit (1 GiB with its header). */
export const MAX_SNAPSHOT_BYTES = 1024 * MiB - MiB;

/**
 * The flags of the replicated stores (docs/stores.md). Stores run when `--data-dir` is given;
 * without it broker-node is a pub/sub peer only.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import type { FlagSpec, FlagValues } from './options.js';

/** How the stores and their Raft groups are configured, validated. */
export interface StoreConfig {
  /** Stores created once the cluster has formed (idempotent). */
  readonly declaredStores: readonly string[];
  readonly replicationFactor: number;
  /** Voters of the meta group: 3 or 5 (the first ids of --peers found it). */
  readonly metaVoters: number;
  readonly raftTickMs: number;
  readonly electionTicks: number;
  readonly snapshotEntries: number;
  readonly snapshotBytes: number;
  readonly snapshotRate: number;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  readonly maxStoreKeys: number;
  readonly maxStoreBytes: number;
  readonly requestTimeoutMs: number;
  readonly watchHistory: number;
  readonly maxPendingProposals: number;
  /** Test-only partition injection (a JSON file naming members to cut off). */
  readonly faultFile: string | undefined;
  /** When set, admin calls that change the cluster need `authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  readonly placement: PlacementConfig;
}

/** The placement driver's flags (docs/rebalancing.md). */
export interface PlacementConfig {
  /** Whether the meta leader moves leaderships and replicas; load is measured either way. */
  readonly enabled: boolean;
  /** One measurement (and one driver decision) every this many ms. */
  readonly intervalMs: number;
  /** A member is hot above mean * (1 + percent/100) ... */
  readonly thresholdPercent: number;
  /** ... and above mean + this many load units (operations per second). */
  readonly loadFloor: number;
  /** ... or, for leader and replica counts, mean + this many. */
  readonly countFloor: number;
  readonly hotMeasurements: number;
  readonly maxMovesPerMember: number;
  readonly maxMoves: number;
  /** A member not answering this long has its replicas re-created on the others. */
  readonly memberDownTimeoutMs: number;
}

const MiB = 1024 * 1024;
const STORE_NAME_RE = /^[A-Za-z0-9_.-]{1,128}$/;

/** Store flags, merged into broker-node's flag list. */
export const STORE_FLAGS: readonly Omit<FlagSpec, 'env'>[] = [
  {
    name: 'stores',
    kind: 'list',
    help: 'stores to create once the cluster has formed: NAME,... (letters, digits, "_", ".", "-")',
  },
  {
    name: 'replication-factor',
    kind: 'int',
    min: 1,
    max: 7,
    default: '3',
    help: 'replicas of a new store (fewer when fewer members are active)',
  },
  {
    name: 'meta-voters',
    kind: 'int',
    min: 0,
    max: 5,
    default: '0',
    help: 'voters of the meta group (0 = 5 with at least 5 peers, else 3, else all)',
  },
  {
    name: 'raft-tick-ms',
    kind: 'int',
    min: 10,
    max: 10_000,
    default: '100',
    help: 'Raft tick; elections after --election-ticks to twice that',
  },
  {
    name: 'election-ticks',
    kind: 'int',
    min: 2,
    max: 1000,
    default: '10',
    help: 'ticks without a leader before an election',
  },
  {
    name: 'snapshot-entries',
    kind: 'int',
    min: 16,
    max: 100_000_000,
    default: '10000',
    help: 'entries applied since the last snapshot that trigger a new one (per group)',
  },
  {
    name: 'snapshot-bytes',
    kind: 'int',
    min: 4096,
    max: 16384 * MiB,
    default: String(64 * MiB),
    help: 'bytes of entries since the last snapshot that trigger a new one (per group)',
  },
  {
    name: 'snapshot-rate',
    kind: 'int',
    min: 4096,
    max: 16384 * MiB,
    default: String(64 * MiB),
    help: 'snapshot transfer throttle in bytes/s (per sending peer)',
  },
  {
    name: 'max-key-bytes',
    kind: 'int',
    min: 8,
    max: 64 * MiB,
    default: '16384',
    help: 'largest store key (binary encoding)',
  },
  {
    name: 'max-value-bytes',
    kind: 'int',
    min: 8,
    max: 64 * MiB,
    default: String(MiB),
    help: 'largest store value (binary encoding)',
  },
  {
    name: 'max-store-keys',
    kind: 'int',
    min: 1,
    max: 1_000_000_000,
    default: '10000000',
    help: 'most keys in one store',
  },
  {
    name: 'max-store-bytes',
    kind: 'int',
    min: 1024,
    max: 1024 * 1024 * MiB,
    default: String(4096 * MiB),
    help: 'most bytes of keys and values in one store',
  },
  {
    name: 'store-timeout-ms',
    kind: 'int',
    min: 10,
    max: 600_000,
    default: '5000',
    help: 'deadline of a store request inside the cluster (the client may set a shorter one)',
  },
  {
    name: 'watch-history',
    kind: 'int',
    min: 16,
    max: 100_000_000,
    default: '100000',
    help: 'recent store events kept per store for watch resume',
  },
  {
    name: 'max-pending-proposals',
    kind: 'int',
    min: 1,
    max: 1_000_000,
    default: '4096',
    help: 'writes in flight per store group before new ones get RESOURCE_EXHAUSTED',
  },
  {
    name: 'admin-token-file',
    kind: 'string',
    help: 'file with a token (at least 16 characters) that admin calls changing the cluster must present',
  },
  // ---- the placement driver (docs/rebalancing.md) ----
  {
    name: 'placement',
    kind: 'bool',
    default: 'false',
    help: 'let the meta leader balance leaderships and replicas by measured load and re-create the replicas of members that stay down',
  },
  {
    name: 'placement-interval-ms',
    kind: 'int',
    min: 100,
    max: 600_000,
    default: '1000',
    help: 'one load measurement (and one placement decision) every this many ms',
  },
  {
    name: 'placement-threshold-percent',
    kind: 'int',
    min: 1,
    max: 1000,
    default: '10',
    help: 'a member more than this percent above the mean (and above the floor) is hot',
  },
  {
    name: 'placement-load-floor',
    kind: 'int',
    min: 0,
    max: 100_000_000,
    default: '50',
    help: 'a member must also be this many load units (operations/s) above the mean to be hot',
  },
  {
    name: 'placement-count-floor',
    kind: 'int',
    min: 0,
    max: 100_000,
    default: '1',
    help: 'for leader and replica counts: a member must be more than this many above the mean',
  },
  {
    name: 'placement-hot-measurements',
    kind: 'int',
    min: 1,
    max: 1000,
    default: '3',
    help: 'consecutive hot measurements before the driver moves anything off a member',
  },
  {
    name: 'placement-max-moves-per-member',
    kind: 'int',
    min: 1,
    max: 1000,
    default: '2',
    help: 'moves in flight involving one member (as source or target)',
  },
  {
    name: 'placement-max-moves',
    kind: 'int',
    min: 1,
    max: 10_000,
    default: '4',
    help: 'moves in flight in the whole cluster',
  },
  {
    name: 'member-down-timeout-ms',
    kind: 'int',
    min: 1000,
    max: 86_400_000,
    default: '60000',
    help: 'with --placement: a member unreachable this long has its replicas re-created on the others',
  },
  {
    name: 'fault-file',
    kind: 'string',
    help: 'TEST ONLY: JSON file {"blocked":[ids]}; replication traffic with those members is dropped',
  },
];

function num(v: FlagValues, k: string): number {
  const x = v.get(k);
  if (typeof x !== 'number') throw new ConfigError(`--${k}: missing`);
  return x;
}

/** Validates the store flags of parsed values; `peerCount` includes this peer. */
export function loadStoreConfig(v: FlagValues, peerCount: number): StoreConfig {
  const stores = (v.get('stores') as string[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const s of stores) {
    if (!STORE_NAME_RE.test(s))
      throw new ConfigError(
        `--stores: invalid store name ${JSON.stringify(s)} (1 to 128 of letters, digits, "_", ".", "-")`
      );
    if (seen.has(s)) throw new ConfigError(`--stores: ${s} appears twice`);
    seen.add(s);
  }
  let metaVoters = num(v, 'meta-voters');
  if (metaVoters !== 0 && metaVoters % 2 === 0)
    throw new ConfigError(`--meta-voters: ${metaVoters} is even; use 1, 3 or 5`);
  // Default: 5 with five or more peers, 3 with three or four, else every peer.
  if (metaVoters === 0) metaVoters = peerCount >= 5 ? 5 : Math.min(3, peerCount);
  const faultFile = v.get('fault-file');
  const tokenFile = v.get('admin-token-file');
  let adminToken: string | undefined;
  if (typeof tokenFile === 'string') {
    try {
      adminToken = readFileSync(tokenFile, 'utf8').replace(/[\r\n]+$/, '');
    } catch (e) {
      throw new ConfigError(`--admin-token-file ${tokenFile}: ${(e as Error).message}`);
    }
    if (adminToken.length < 16 || !/^[\x21-\x7e]+$/.test(adminToken))
      throw new ConfigError(
        `--admin-token-file ${tokenFile}: the token must be at least 16 printable ASCII characters without spaces`
      );
  }
  return {
    declaredStores: stores,
    replicationFactor: num(v, 'replication-factor'),
    metaVoters,
    raftTickMs: num(v, 'raft-tick-ms'),
    electionTicks: num(v, 'election-ticks'),
    snapshotEntries: num(v, 'snapshot-entries'),
    snapshotBytes: num(v, 'snapshot-bytes'),
    snapshotRate: num(v, 'snapshot-rate'),
    maxKeyBytes: num(v, 'max-key-bytes'),
    maxValueBytes: num(v, 'max-value-bytes'),
    maxStoreKeys: num(v, 'max-store-keys'),
    maxStoreBytes: num(v, 'max-store-bytes'),
    requestTimeoutMs: num(v, 'store-timeout-ms'),
    watchHistory: num(v, 'watch-history'),
    maxPendingProposals: num(v, 'max-pending-proposals'),
    faultFile: typeof faultFile === 'string' ? faultFile : undefined,
    adminToken,
    placement: {
      enabled: v.get('placement') === true,
      intervalMs: num(v, 'placement-interval-ms'),
      thresholdPercent: num(v, 'placement-threshold-percent'),
      loadFloor: num(v, 'placement-load-floor'),
      countFloor: num(v, 'placement-count-floor'),
      hotMeasurements: num(v, 'placement-hot-measurements'),
      maxMovesPerMember: num(v, 'placement-max-moves-per-member'),
      maxMoves: num(v, 'placement-max-moves'),
      memberDownTimeoutMs: num(v, 'member-down-timeout-ms'),
    },
  };
}

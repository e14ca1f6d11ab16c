/**
 * The inputs and outputs of the placement driver. Plain data: the driver is pure (no I/O, the
 * time is passed in), so the meta leader builds these from the map and the load reports, and a
 * unit test builds them by hand.
 */

/** Measured load of one store group, per second, as its leader saw it. */
export interface GroupLoad {
  readonly writesPerSec: number;
  readonly readsPerSec: number;
  readonly bytesPerSec: number;
}

export interface PlacementMember {
  readonly id: string;
  /** Only `active` members receive replicas or leaderships; others are left out of the means. */
  readonly active: boolean;
  /**
   * How long the member has not answered a load report, ms; 0 while it answers. Above
   * memberDownTimeoutMs its replicas are re-created on the others.
   */
  readonly unavailableForMs: number;
}

export interface PlacementStore {
  readonly name: string;
  readonly replicationFactor: number;
  /** The map's voting replicas (member ids): the placement being carried out. */
  readonly replicas: readonly string[];
  /** The map's learners. */
  readonly learners: readonly string[];
  /** The map's preferred leader ('' = none). */
  readonly preferredLeader: string;
  /** The member that leads the group now, from the load reports (undefined = unknown). */
  readonly leader: string | undefined;
  /**
   * The group's configuration as its leader reported it (member ids); undefined when no leader
   * reported. A group whose configuration differs from the map is still moving.
   */
  readonly confVoters: readonly string[] | undefined;
  readonly confLearners: readonly string[] | undefined;
  readonly load: GroupLoad;
}

export interface PlacementInput {
  /** Milliseconds on any monotonic clock; only differences are used. */
  readonly nowMs: number;
  readonly members: readonly PlacementMember[];
  readonly stores: readonly PlacementStore[];
}

/** What a move balances (or `repair`: a replica on a member that is down). */
export type MoveReason = 'repair' | 'load' | 'leaders' | 'replicas';

export type PlacementMove =
  | {
      readonly kind: 'transfer-leader';
      readonly store: string;
      readonly from: string;
      readonly to: string;
      readonly reason: MoveReason;
    }
  | {
      readonly kind: 'move-replica';
      readonly store: string;
      readonly from: string;
      readonly to: string;
      readonly reason: MoveReason;
      /** The map's new voting replicas: `from` replaced by `to`, same order. */
      readonly replicas: readonly string[];
    };

/** The tunables (broker-node flags --placement-*, --member-down-timeout-ms). */
export interface PlacementOptions {
  /** A peer is hot when its score is above mean * (1 + ratio). Default 0.1. */
  readonly thresholdRatio: number;
  /** ... and its score minus the mean is above this, in load units per second. Default 50. */
  readonly loadFloor: number;
  /** ... or, for leader and replica counts, above this many. Default 1. */
  readonly countFloor: number;
  /** Consecutive hot measurements before the driver acts. Default 3. */
  readonly hotMeasurements: number;
  /** Moves in flight involving one member (as source or target). Default 2. */
  readonly maxMovesPerMember: number;
  /** Moves in flight in the whole cluster. Default 4. */
  readonly maxMovesTotal: number;
  /** A member unavailable this long has its replicas re-created elsewhere. Default 60 s. */
  readonly memberDownTimeoutMs: number;
  /** A leadership transfer not done after this long is no longer counted in flight. */
  readonly transferTimeoutMs: number;
  /**
   * A store the driver moved (either kind) is not moved again for balance this long after:
   * measurements wobble, and without a pause two dimensions can hand one store back and
   * forth on noise. Repairs ignore it. Default 30 s.
   */
  readonly storeCooldownMs: number;
}

export const DEFAULT_PLACEMENT_OPTIONS: PlacementOptions = Object.freeze({
  thresholdRatio: 0.1,
  loadFloor: 50,
  countFloor: 1,
  hotMeasurements: 3,
  maxMovesPerMember: 2,
  maxMovesTotal: 4,
  memberDownTimeoutMs: 60_000,
  transferTimeoutMs: 10_000,
  storeCooldownMs: 30_000,
});

/** One member's scores, for status: what the driver balances. */
export interface MemberScore {
  readonly id: string;
  readonly load: number;
  readonly leaders: number;
  readonly replicas: number;
  /** Consecutive hot measurements per dimension. */
  readonly hotStreak: {
    readonly load: number;
    readonly leaders: number;
    readonly replicas: number;
  };
  readonly down: boolean;
}

export interface PlacementDecision {
  readonly moves: readonly PlacementMove[];
  readonly scores: readonly MemberScore[];
  /** Moves the driver counts as in flight (started earlier, not finished). */
  readonly inFlight: number;
}

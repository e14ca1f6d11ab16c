import { ConfChangeError } from './errors.js';
import { JointConfig } from './joint-config.js';
import { MajorityConfig } from './majority-config.js';
import type { Progress } from './progress.js';
import type { ProgressTracker, TrackerConfig } from './progress-tracker.js';
import type { ConfChangeSingle, ConfChangeV2, ConfState } from './types.js';

/** Whether `cc` asks to leave a joint configuration (an empty auto change). */
export function isLeaveJoint(cc: ConfChangeV2): boolean {
  return cc.transition === 'auto' && cc.changes.length === 0;
}

/**
 * Whether `cc` must go through a joint configuration, and if so whether it is left
 * automatically. A single auto change is applied directly (one voter at a time is safe).
 */
export function enterJointMode(cc: ConfChangeV2): { joint: boolean; autoLeave: boolean } {
  if (cc.transition !== 'auto' || cc.changes.length > 1) {
    return { joint: true, autoLeave: cc.transition !== 'joint-explicit' };
  }
  return { joint: false, autoLeave: false };
}

interface Mutable {
  incoming: Set<string>;
  outgoing: Set<string>;
  learners: Set<string>;
  learnersNext: Set<string>;
  autoLeave: boolean;
  progress: Map<string, Progress>;
  /**
   * Learner flags to set on shared Progress objects, applied only once the whole change has
   * validated: a refused change must leave the tracker untouched.
   */
  learnerFlags: Map<string, boolean>;
}

function isLearnerIn(m: Mutable, id: string): boolean | undefined {
  return m.learnerFlags.get(id) ?? m.progress.get(id)?.isLearner;
}

/**
 * Computes the configuration that results from a change, without mutating the tracker: the
 * caller installs the result with ProgressTracker.setConfig. `lastIndex` seeds the progress
 * of new peers.
 */
export class Changer {
  private readonly tracker: ProgressTracker;
  private readonly lastIndex: number;

  constructor(tracker: ProgressTracker, lastIndex: number) {
    this.tracker = tracker;
    this.lastIndex = lastIndex;
  }

  /** Enters a joint config: outgoing = current voters, incoming = current voters + changes. */
  enterJoint(autoLeave: boolean, ccs: readonly ConfChangeSingle[]): ChangeResult {
    const m = this.copy();
    if (m.outgoing.size > 0) throw new ConfChangeError('config is already joint');
    if (m.incoming.size === 0) {
      throw new ConfChangeError("can't make a zero-voter config joint");
    }
    for (const id of m.incoming) m.outgoing.add(id);
    this.apply(m, ccs);
    m.autoLeave = autoLeave;
    return this.finish(m);
  }

  /** Leaves a joint config: drops the outgoing half and turns learnersNext into learners. */
  leaveJoint(): ChangeResult {
    const m = this.copy();
    if (m.outgoing.size === 0) throw new ConfChangeError("can't leave a non-joint config");
    for (const id of m.learnersNext) {
      m.learners.add(id);
      m.learnerFlags.set(id, true);
    }
    m.learnersNext.clear();
    for (const id of m.outgoing) {
      if (!m.incoming.has(id) && !m.learners.has(id)) m.progress.delete(id);
    }
    m.outgoing.clear();
    m.autoLeave = false;
    return this.finish(m);
  }

  /** Applies changes directly; allowed only when at most one voter changes. */
  simple(ccs: readonly ConfChangeSingle[]): ChangeResult {
    const m = this.copy();
    if (m.outgoing.size > 0)
      throw new ConfChangeError("can't apply a simple change in a joint config");
    const before = new Set(m.incoming);
    this.apply(m, ccs);
    let diff = 0;
    for (const id of before) if (!m.incoming.has(id)) diff++;
    for (const id of m.incoming) if (!before.has(id)) diff++;
    if (diff > 1) {
      throw new ConfChangeError('more than one voter changed without entering a joint config');
    }
    return this.finish(m);
  }

  private copy(): Mutable {
    const c = this.tracker.config;
    // Progress objects are shared, not cloned: a peer's replication state survives a change.
    return {
      incoming: new Set(c.voters.incoming.ids),
      outgoing: new Set(c.voters.outgoing.ids),
      learners: new Set(c.learners),
      learnersNext: new Set(c.learnersNext),
      autoLeave: c.autoLeave,
      progress: new Map(this.tracker.progress),
      learnerFlags: new Map(),
    };
  }

  private apply(m: Mutable, ccs: readonly ConfChangeSingle[]): void {
    for (const cc of ccs) {
      if (typeof cc.node !== 'string' || cc.node === '') {
        throw new ConfChangeError('conf change names an empty node id');
      }
      switch (cc.type) {
        case 'add-voter':
          this.makeVoter(m, cc.node);
          break;
        case 'add-learner':
          this.makeLearner(m, cc.node);
          break;
        case 'remove':
          this.remove(m, cc.node);
          break;
        default:
          throw new ConfChangeError(
            `unknown conf change type ${String((cc as { type: unknown }).type)}`
          );
      }
    }
    if (m.incoming.size === 0) throw new ConfChangeError('removed all voters');
  }

  private initProgress(m: Mutable, id: string, isLearner: boolean): void {
    // Start optimistic at lastIndex: a new peer gets probed down (or snapshotted) from there.
    // recentActive so that CheckQuorum does not step the leader down right after adding it.
    const pr = this.tracker.newProgress(0, this.lastIndex + 1, isLearner);
    pr.recentActive = true;
    m.progress.set(id, pr);
  }

  private makeVoter(m: Mutable, id: string): void {
    if (!m.progress.has(id)) {
      this.initProgress(m, id, false);
    } else {
      m.learnerFlags.set(id, false);
    }
    m.learners.delete(id);
    m.learnersNext.delete(id);
    m.incoming.add(id);
  }

  private makeLearner(m: Mutable, id: string): void {
    if (!m.progress.has(id)) {
      this.initProgress(m, id, true);
      m.learners.add(id);
      return;
    }
    if (isLearnerIn(m, id)) return;
    m.incoming.delete(id);
    // A voter still needed by the outgoing config becomes a learner only when the joint
    // config is left; until then it must keep voting.
    if (m.outgoing.has(id)) {
      m.learnersNext.add(id);
    } else {
      m.learnerFlags.set(id, true);
      m.learners.add(id);
    }
  }

  private remove(m: Mutable, id: string): void {
    if (!m.progress.has(id)) return;
    m.incoming.delete(id);
    m.learners.delete(id);
    m.learnersNext.delete(id);
    // Still an outgoing voter: keep replicating to it until the joint config is left.
    if (!m.outgoing.has(id)) m.progress.delete(id);
  }

  private finish(m: Mutable): ChangeResult {
    const cfg: TrackerConfig = {
      voters: new JointConfig(new MajorityConfig(m.incoming), new MajorityConfig(m.outgoing)),
      autoLeave: m.autoLeave,
      learners: m.learners,
      learnersNext: m.learnersNext,
    };
    checkInvariants(cfg, m.progress, (id) => isLearnerIn(m, id));
    return [cfg, m.progress, m.learnerFlags];
  }

  /**
   * Installs a computed change: only now are shared Progress objects touched. Call after
   * simple/enterJoint/leaveJoint returned without throwing.
   */
  static commit(result: ChangeResult): void {
    for (const [id, flag] of result[2]) {
      const pr = result[1].get(id);
      if (pr) pr.isLearner = flag;
    }
  }
}

/** Config, progress map and the learner flags to apply on commit. */
export type ChangeResult = [TrackerConfig, Map<string, Progress>, Map<string, boolean>];

function checkInvariants(
  cfg: TrackerConfig,
  prs: Map<string, Progress>,
  learnerOf: (id: string) => boolean | undefined = (id) => prs.get(id)?.isLearner
): void {
  for (const id of cfg.voters.ids()) {
    if (!prs.has(id)) throw new ConfChangeError(`no progress for voter ${id}`);
  }
  for (const id of cfg.learners) {
    const pr = prs.get(id);
    if (!pr) throw new ConfChangeError(`no progress for learner ${id}`);
    if (cfg.voters.incoming.has(id) || cfg.voters.outgoing.has(id)) {
      throw new ConfChangeError(`${id} is both learner and voter`);
    }
    if (!learnerOf(id)) throw new ConfChangeError(`learner ${id} progress is not marked learner`);
  }
  for (const id of cfg.learnersNext) {
    if (!cfg.voters.outgoing.has(id))
      throw new ConfChangeError(`learnerNext ${id} is not an outgoing voter`);
    if (learnerOf(id)) throw new ConfChangeError(`learnerNext ${id} is marked learner too early`);
  }
  for (const id of cfg.voters.ids()) {
    if (learnerOf(id)) throw new ConfChangeError(`voter ${id} progress is marked learner`);
  }
  if (!cfg.voters.isJoint() && cfg.autoLeave)
    throw new ConfChangeError('autoLeave set outside a joint config');
}

/**
 * Rebuilds the tracker config from a ConfState (from storage at start, or from a snapshot),
 * joint state included, rather than guessing it. Every peer's progress starts at lastIndex.
 */
export function restoreConfig(
  tracker: ProgressTracker,
  cs: ConfState,
  lastIndex: number
): [TrackerConfig, Map<string, Progress>] {
  const prs = new Map<string, Progress>();
  const learners = new Set(cs.learners);
  const all = new Set<string>([...cs.voters, ...cs.votersOutgoing, ...cs.learners]);
  for (const id of all) {
    if (typeof id !== 'string' || id === '')
      throw new ConfChangeError('confState names an empty node id');
    prs.set(id, tracker.newProgress(0, lastIndex + 1, learners.has(id)));
  }
  const cfg: TrackerConfig = {
    voters: new JointConfig(new MajorityConfig(cs.voters), new MajorityConfig(cs.votersOutgoing)),
    autoLeave: cs.autoLeave,
    learners,
    learnersNext: new Set(cs.learnersNext),
  };
  checkInvariants(cfg, prs);
  return [cfg, prs];
}

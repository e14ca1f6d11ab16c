/**
 * The operator's decisions as a pure function of one {@link Observed}: which StatefulSet
 * size to apply, which single admin step to take next, and what the status says. One step
 * per reconcile, so an operator that dies mid-operation resumes from what it observes, never
 * from memory: every decision here is re-derived from the cluster map and the pods.
 */
import type { OperationStatus } from '../api/index.js';
import { podOrdinal } from './names.js';
import type { AdminView, Observed, PodView } from './observed.js';

/** One admin or pod action; the reconcile runs at most one per pass. */
export type Action =
  | { readonly kind: 'addMember'; readonly id: string; readonly pod: string }
  | { readonly kind: 'promoteMember'; readonly id: string }
  | { readonly kind: 'drainMember'; readonly id: string }
  | { readonly kind: 'checkDrain'; readonly id: string }
  | { readonly kind: 'removeMember'; readonly id: string }
  | {
      readonly kind: 'createStore';
      readonly name: string;
      readonly replicationFactor: number;
      readonly maxKeys: number;
      readonly maxBytes: number;
    }
  | {
      readonly kind: 'transferLeadership';
      readonly pod: string;
      readonly groups: readonly string[];
    }
  | { readonly kind: 'deletePod'; readonly pod: string; readonly why: string }
  | { readonly kind: 'deletePvc'; readonly pvc: string; readonly why: string }
  | { readonly kind: 'replacePeer'; readonly pod: string; readonly why: string };

export interface Plan {
  /** spec.replicas of the StatefulSet to apply now. */
  readonly statefulSetReplicas: number;
  readonly action: Action | undefined;
  readonly operation: Omit<OperationStatus, 'startedAt'> | undefined;
  /** Why nothing moves although it should (shown in Progressing's message). */
  readonly blocked: string | undefined;
}

const STATE_ACTIVE = 'MEMBER_STATE_ACTIVE';
const STATE_JOINING = 'MEMBER_STATE_JOINING';
const STATE_DRAINING = 'MEMBER_STATE_DRAINING';
const STATE_REMOVED = 'MEMBER_STATE_REMOVED';

function memberState(admin: AdminView, id: string): string | undefined {
  if (admin.kind !== 'ok') return undefined;
  return admin.map.members.find((m) => m.id === id)?.state;
}

function outdated(o: Observed): PodView[] {
  const want = o.statefulSet?.status?.updateRevision;
  if (want === undefined || want === '') return [];
  return o.pods.filter((p) => p.revision !== undefined && p.revision !== want && !p.terminating);
}

/**
 * What waiting for peers to be Ready is part of: the operation already shown (an operator
 * restarted mid-operation keeps its name), else Create before the cluster was ever
 * Available and Recover (a lost pod or volume coming back) after.
 */
function waitingType(o: Observed): OperationStatus['type'] {
  const prev = o.cluster.status?.operation?.type;
  if (prev === 'Create' || prev === 'ScaleUp' || prev === 'Recover') return prev;
  const everAvailable = o.cluster.status?.conditions?.some(
    (c) => c.type === 'Available' && c.status === 'True'
  );
  return everAvailable === true ? 'Recover' : 'Create';
}

/**
 * How many peers a new cluster starts with before its map exists. The peers' --peers lists
 * only the founders (desired.ts), and broker-node takes as founders the first --meta-voters
 * ids of itself plus --peers in string order: `NAME-10` sorts between `NAME-1` and `NAME-2`,
 * so a peer of ordinal 10 or more could count itself a founder while no cluster exists.
 * Those start once the founders have formed the map (then they find it formed and join).
 */
export const FOUNDING_WAVE = 10;

/** The StatefulSet size while the cluster map does not exist yet. */
function foundingSize(current: number, desired: number): number {
  return Math.max(current, Math.min(desired, FOUNDING_WAVE));
}

/** Pure: the next step for an observed cluster whose spec is valid. */
export function plan(o: Observed): Plan {
  const spec = o.spec;
  if (spec === undefined) throw new Error('plan() needs a valid spec');
  const desired = spec.replicas;
  const current = o.statefulSet?.spec?.replicas;
  if (current === undefined) {
    return {
      statefulSetReplicas: foundingSize(0, desired),
      action: undefined,
      operation: { type: 'Create', target: `${desired} peers`, progress: 'creating objects' },
      blocked: undefined,
    };
  }
  const ready = o.pods.filter((p) => p.ready && !p.terminating);
  const admin = o.admin;

  // Scale down: drain, remove, then shrink, one peer at a time from the highest ordinal.
  if (desired < current) {
    const leaving = `${o.names.statefulSet}-${current - 1}`;
    const op = (progress: string) => ({
      type: 'ScaleDown' as const,
      target: `${desired} peers`,
      progress: `${current} -> ${current - 1}: ${progress}`,
    });
    if (admin.kind === 'unsupported') {
      // No stores to move: the peers hold nothing that a drain would need to preserve.
      return {
        statefulSetReplicas: desired,
        action: undefined,
        operation: op('shrinking (no admin API)'),
        blocked: undefined,
      };
    }
    if (admin.kind === 'unreachable') {
      return {
        statefulSetReplicas: current,
        action: undefined,
        operation: op('waiting for the admin API'),
        blocked: `admin API unreachable: ${admin.reason}`,
      };
    }
    const state = memberState(admin, leaving);
    if (state === undefined || state === STATE_REMOVED) {
      return {
        statefulSetReplicas: current - 1,
        action: undefined,
        operation: op(`${leaving} removed, shrinking`),
        blocked: undefined,
      };
    }
    if (state === STATE_DRAINING) {
      return {
        statefulSetReplicas: current,
        action: { kind: 'checkDrain', id: leaving },
        operation: op(`draining ${leaving}`),
        blocked: undefined,
      };
    }
    return {
      statefulSetReplicas: current,
      action: { kind: 'drainMember', id: leaving },
      operation: op(`draining ${leaving}`),
      blocked: undefined,
    };
  }

  // The volume of a peer removed by a scale down goes too: a later scale up must start that
  // ordinal as a fresh peer, never on the data of a removed member. Only a member the map has
  // removed (or never had): a StatefulSet shrunk by hand, not by a drain, keeps its volumes,
  // since those peers are still members and come back on them when it is put back.
  for (const pvc of o.pvcs) {
    const n = pvc.metadata?.name ?? '';
    const ord = podOrdinal(o.names.statefulSet, n.replace(/^data-/, ''));
    const gone = (id: string): boolean => {
      if (admin.kind === 'unsupported') return true;
      if (admin.kind !== 'ok') return false;
      const st = memberState(admin, id);
      return st === undefined || st === STATE_REMOVED;
    };
    if (
      ord !== undefined &&
      ord >= current &&
      !o.pods.some((p) => p.ordinal === ord) &&
      gone(`${o.names.statefulSet}-${ord}`)
    ) {
      return {
        statefulSetReplicas: current,
        action: {
          kind: 'deletePvc',
          pvc: n,
          why: `peer ${o.names.statefulSet}-${ord} was removed by a scale down`,
        },
        operation: {
          type: 'ScaleDown',
          target: `${desired} peers`,
          progress: `deleting volume ${n}`,
        },
        blocked: undefined,
      };
    }
  }

  // Before the founding peers have bootstrapped the map, every Ready pod is missing from it:
  // that is the Create still going on, not peers to add.
  if (admin.kind === 'ok' && admin.map.members.length === 0) {
    return {
      statefulSetReplicas: foundingSize(current, desired),
      action: undefined,
      operation: {
        type: waitingType(o),
        target: `${desired} peers`,
        progress: `${ready.length}/${desired} peers ready, waiting for them to found the cluster`,
      },
      blocked: undefined,
    };
  }

  // Scale up: the StatefulSet grows at once; each new peer joins as a learner, then is promoted.
  if (admin.kind === 'ok') {
    // A pod of an ordinal a scale down removed, started again by a later scale up (or a
    // replaced peer): the peers refuse a removed member's own join, so the operator adds it
    // again (a new generation), on the fresh volume the scale down left it. It is not Ready
    // before that, so this does not wait for readiness.
    for (const p of o.pods) {
      if (p.terminating || p.ordinal >= desired || p.ordinal >= current) continue;
      if (memberState(admin, p.name) === STATE_REMOVED) {
        return {
          statefulSetReplicas: desired,
          action: { kind: 'addMember', id: p.name, pod: p.name },
          operation: {
            type: 'ScaleUp',
            target: `${desired} peers`,
            progress: `adding ${p.name} again`,
          },
          blocked: undefined,
        };
      }
    }
    for (const p of ready) {
      if (memberState(admin, p.name) === undefined) {
        return {
          statefulSetReplicas: desired,
          action: { kind: 'addMember', id: p.name, pod: p.name },
          operation: { type: 'ScaleUp', target: `${desired} peers`, progress: `adding ${p.name}` },
          blocked: undefined,
        };
      }
    }
    for (const p of ready) {
      if (memberState(admin, p.name) === STATE_JOINING) {
        return {
          statefulSetReplicas: desired,
          action: { kind: 'promoteMember', id: p.name },
          operation: {
            type: 'ScaleUp',
            target: `${desired} peers`,
            progress: `promoting ${p.name}`,
          },
          blocked: undefined,
        };
      }
    }
  }
  // A peer down longer than spec.failover.replaceAfterSeconds is replaced by a fresh one, so
  // every store gets back to its replication factor (only with the admin API: removing the
  // member is what lets the cluster place its replicas elsewhere).
  if (admin.kind === 'ok') {
    const limit = spec.failover.replaceAfterSeconds * 1000;
    for (const p of o.pods) {
      const state = memberState(admin, p.name);
      if (p.ready || p.terminating || p.notReadySince === undefined) continue;
      if (state === undefined || state === STATE_REMOVED) continue;
      const down = o.now - p.notReadySince;
      if (down > limit && ready.length >= Math.floor(spec.replicationFactor / 2) + 1) {
        return {
          statefulSetReplicas: desired,
          action: {
            kind: 'replacePeer',
            pod: p.name,
            why: `not Ready for ${Math.round(down / 1000)} s (limit ${spec.failover.replaceAfterSeconds} s)`,
          },
          operation: {
            type: 'Recover',
            target: `${desired} peers`,
            progress: `replacing ${p.name}`,
          },
          blocked: undefined,
        };
      }
    }
  }

  const rolling = outdated(o).length > 0;
  // Not yet formed (no map seen, never Available): the founding wave only.
  const unformed =
    admin.kind === 'unreachable' &&
    o.cluster.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') !==
      true;
  if (desired > current || (ready.length < desired && !rolling)) {
    return {
      statefulSetReplicas: unformed ? foundingSize(current, desired) : desired,
      action: undefined,
      operation: {
        type: desired > current ? 'ScaleUp' : waitingType(o),
        target: `${desired} peers`,
        progress: `${ready.length}/${desired} peers ready`,
      },
      blocked: undefined,
    };
  }

  // Declared stores, once the metadata group has a leader.
  if (admin.kind === 'ok' && admin.map.meta_leader !== '') {
    const have = new Set(admin.map.stores.map((s) => s.name));
    const missing = spec.stores.find((s) => !have.has(s.name));
    if (missing !== undefined) {
      return {
        statefulSetReplicas: desired,
        action: {
          kind: 'createStore',
          name: missing.name,
          replicationFactor: missing.replicationFactor ?? spec.replicationFactor,
          maxKeys: missing.maxKeys ?? 0,
          maxBytes: missing.maxBytes ?? 0,
        },
        operation: {
          type: 'Create',
          target: `${spec.stores.length} stores`,
          progress: `creating store ${missing.name}`,
        },
        blocked: undefined,
      };
    }
  }

  // Rolling change: one outdated pod at a time, highest ordinal first, only while every
  // peer is Ready (and, with the admin API, active), leadership moved off it first.
  const stale = outdated(o).sort((a, b) => b.ordinal - a.ordinal);
  const next = stale[0];
  if (next !== undefined) {
    const progress = `${o.pods.length - stale.length}/${o.pods.length} peers updated`;
    const op = {
      type: 'Roll' as const,
      target: o.statefulSet?.status?.updateRevision ?? '',
      progress,
    };
    // A member still joining (a new peer, a learner everywhere) holds no vote: it may wait for
    // the roll (a peer learns of new peers only when restarted with the new peer list). Every
    // other peer must be Ready and active before the next restart.
    const joining = (name: string): boolean =>
      admin.kind === 'ok' && memberState(admin, name) === STATE_JOINING;
    const waiting = o.pods.filter((p) => (!p.ready || p.terminating) && !joining(p.name));
    if (
      ready.length + o.pods.filter((p) => !p.ready && joining(p.name)).length < desired ||
      waiting.length > 0
    )
      return {
        statefulSetReplicas: desired,
        action: undefined,
        operation: op,
        blocked: 'waiting for every peer to be Ready',
      };
    if (admin.kind === 'ok' && admin.map.meta_leader === '')
      return {
        statefulSetReplicas: desired,
        action: undefined,
        operation: op,
        blocked: 'waiting for the metadata group to elect a leader',
      };
    if (admin.kind === 'ok') {
      const notActive = admin.map.members.filter(
        (m) =>
          m.state !== STATE_ACTIVE &&
          m.state !== STATE_REMOVED &&
          !(m.state === STATE_JOINING && !o.pods.some((p) => p.name === m.id && p.ready))
      );
      if (notActive.length > 0)
        return {
          statefulSetReplicas: desired,
          action: undefined,
          operation: op,
          blocked: `waiting for ${notActive.map((m) => m.id).join(', ')} to catch up`,
        };
      const led = (o.groups.get(next.name)?.groups ?? [])
        .filter((g) => g.role === 'leader')
        .map((g) => g.group);
      if (led.length > 0)
        return {
          statefulSetReplicas: desired,
          action: { kind: 'transferLeadership', pod: next.name, groups: led },
          operation: op,
          blocked: undefined,
        };
    }
    return {
      statefulSetReplicas: desired,
      action: { kind: 'deletePod', pod: next.name, why: 'rolling to the new revision' },
      operation: op,
      blocked: undefined,
    };
  }
  return {
    statefulSetReplicas: desired,
    action: undefined,
    operation: undefined,
    blocked: undefined,
  };
}

export interface Health {
  readonly available: boolean;
  readonly reason: string;
  readonly message: string;
  readonly storesReady: string;
}

/** Whether the cluster serves: every peer Ready and (with the admin API) every group led. */
export function health(o: Observed): Health {
  const spec = o.spec;
  const declared = spec?.stores.length ?? 0;
  const ready = o.pods.filter((p) => p.ready && !p.terminating).length;
  const want = spec?.replicas ?? 0;
  if (ready < want)
    return {
      available: false,
      reason: 'PeersNotReady',
      message: `${ready}/${want} peers ready`,
      storesReady: `0/${declared}`,
    };
  const admin = o.admin;
  if (admin.kind === 'unsupported')
    return {
      available: true,
      reason: 'PeersReady',
      message: `${ready}/${want} peers ready; the peers serve no BrokerAdmin API, so stores are not checked`,
      storesReady: `0/${declared}`,
    };
  if (admin.kind === 'unreachable')
    return {
      available: false,
      reason: 'AdminUnreachable',
      message: admin.reason,
      storesReady: `0/${declared}`,
    };
  if (admin.map.meta_leader === '')
    return {
      available: false,
      reason: 'NoMetaLeader',
      message: 'the metadata group has no leader',
      storesReady: `0/${declared}`,
    };
  const rf = spec?.replicationFactor ?? 3;
  let healthy = 0;
  const problems: string[] = [];
  for (const s of spec?.stores ?? []) {
    const m = admin.map.stores.find((x) => x.name === s.name);
    const need = s.replicationFactor ?? rf;
    if (m === undefined) problems.push(`store ${s.name} not created`);
    else if (m.replicas.length < need)
      problems.push(`store ${s.name} has ${m.replicas.length}/${need} replicas`);
    else healthy++;
  }
  const storesReady = `${healthy}/${declared}`;
  if (problems.length > 0)
    return {
      available: false,
      reason: 'StoresIncomplete',
      message: problems.join('; '),
      storesReady,
    };
  return {
    available: true,
    reason: 'ClusterReady',
    message: `${ready}/${want} peers ready, ${storesReady} stores with full replica sets`,
    storesReady,
  };
}

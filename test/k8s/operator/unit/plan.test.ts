// The operator's decisions (plan.ts) over observed states: the store-dependent life cycle
// (join -> promote, drain -> remove -> shrink, leadership moved before a restart, declared
// stores created) is decided here, so it is tested here against the admin contract's shapes.
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterMap } from '../../../../operator/src/admin/index.js';
import { normalizeSpec, type BrokerClusterStatus } from '../../../../operator/src/api/index.js';
import {
  clusterNames,
  FOUNDING_WAVE,
  health,
  plan,
  type AdminView,
  type Observed,
  type PodView,
} from '../../../../operator/src/controller/index.js';

type State = 'JOINING' | 'ACTIVE' | 'DRAINING' | 'REMOVED';

function map(
  members: Record<string, State>,
  stores: ClusterMap['stores'] = [],
  leader = 'demo-0'
): AdminView {
  return {
    kind: 'ok',
    via: 'demo-0',
    map: {
      cluster_id: 'c',
      index: '7',
      meta_leader: leader,
      members: Object.entries(members).map(([id, s]) => ({
        id,
        address: `${id}:7400`,
        state: `MEMBER_STATE_${s}` as const,
        generation: 0,
        meta_voter: s === 'ACTIVE',
      })),
      stores,
    },
  };
}

function pod(ordinal: number, opts: Partial<PodView> = {}): PodView {
  return {
    name: `demo-${ordinal}`,
    ordinal,
    ready: true,
    terminating: false,
    revision: 'r1',
    ip: `10.0.0.${ordinal + 2}`,
    notReadySince: undefined,
    ...opts,
  };
}

function observed(o: {
  spec: Record<string, unknown>;
  stsReplicas?: number;
  pods: PodView[];
  admin: AdminView;
  updateRevision?: string;
  groups?: Observed['groups'];
  status?: BrokerClusterStatus;
}): Observed {
  const sts: V1StatefulSet | undefined =
    o.stsReplicas === undefined
      ? undefined
      : {
          spec: { replicas: o.stsReplicas, selector: {}, serviceName: 'x', template: {} },
          status: { replicas: o.stsReplicas, updateRevision: o.updateRevision ?? 'r1' },
        };
  return {
    cluster: {
      metadata: { name: 'demo', namespace: 'default', uid: 'u' },
      ...(o.status === undefined ? {} : { status: o.status }),
    },
    names: clusterNames('demo', 'default'),
    spec: normalizeSpec(o.spec),
    invalid: undefined,
    statefulSet: sts,
    pods: o.pods,
    rawPods: [],
    pvcs: [],
    admin: o.admin,
    groups: o.groups ?? new Map(),
    storeLeaders: new Map(),
    now: NOW,
  };
}

const NOW = Date.parse('2026-12-02T12:00:00Z');

const three = [pod(0), pod(1), pod(2)];
const active3 = { 'demo-0': 'ACTIVE', 'demo-1': 'ACTIVE', 'demo-2': 'ACTIVE' } as const;

describe('create', () => {
  test('no StatefulSet yet: create it at spec.replicas', () => {
    const p = plan(
      observed({ spec: { replicas: 3 }, pods: [], admin: { kind: 'unreachable', reason: 'x' } })
    );
    expect(p).toMatchObject({
      statefulSetReplicas: 3,
      action: undefined,
      operation: { type: 'Create' },
    });
  });

  test('a large new cluster starts with the founding wave; the rest once the map exists', () => {
    const none: AdminView = { kind: 'unreachable', reason: 'no Ready peer to ask' };
    expect(
      plan(observed({ spec: { replicas: 12 }, pods: [], admin: none })).statefulSetReplicas
    ).toBe(FOUNDING_WAVE);
    // Still no map: the StatefulSet stays at the wave.
    const waiting = observed({ spec: { replicas: 12 }, stsReplicas: 10, pods: [], admin: none });
    expect(plan(waiting).statefulSetReplicas).toBe(FOUNDING_WAVE);
    const empty = observed({
      spec: { replicas: 12 },
      stsReplicas: 10,
      pods: three,
      admin: map({}, [], ''),
    });
    expect(plan(empty).statefulSetReplicas).toBe(FOUNDING_WAVE);
    // Founded: the rest start (and find the cluster formed, so they join).
    const founded = observed({
      spec: { replicas: 12 },
      stsReplicas: 10,
      pods: three,
      admin: map(active3),
    });
    expect(plan(founded).statefulSetReplicas).toBe(12);
  });

  test('Ready peers are not added while they are still founding the map (still Create)', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: three,
      admin: map({}, [], ''),
      status: { operation: { type: 'Create', target: '3 peers', progress: '', startedAt: '' } },
    });
    expect(plan(o)).toMatchObject({
      action: undefined,
      operation: { type: 'Create', progress: expect.stringMatching(/found the cluster/) },
    });
    // Once founded, a Ready pod the map lacks is a peer to add.
    const founded = observed({
      ...o,
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: three,
      admin: map({ 'demo-0': 'ACTIVE', 'demo-1': 'ACTIVE' }),
    });
    expect(plan(founded).action).toMatchObject({ kind: 'addMember', id: 'demo-2' });
  });

  test('declared stores are created once the meta group has a leader', () => {
    const o = observed({
      spec: { replicas: 3, stores: [{ name: 'kv', maxKeys: 9 }] },
      stsReplicas: 3,
      pods: three,
      admin: map(active3),
    });
    expect(plan(o).action).toEqual({
      kind: 'createStore',
      name: 'kv',
      replicationFactor: 3,
      maxKeys: 9,
      maxBytes: 0,
    });
    const noLeader = observed({
      spec: { replicas: 3, stores: [{ name: 'kv' }] },
      stsReplicas: 3,
      pods: three,
      admin: map(active3, [], ''),
    });
    expect(plan(noLeader).action).toBeUndefined();
    expect(health(noLeader)).toMatchObject({ available: false, reason: 'NoMetaLeader' });
  });

  test('Available needs every peer Ready, a meta leader and full replica sets', () => {
    const store = {
      name: 'kv',
      replication_factor: 3,
      options: null,
      replicas: ['demo-0', 'demo-1'],
      learners: [],
      group: 'g1',
    };
    const o = observed({
      spec: { replicas: 3, stores: [{ name: 'kv' }] },
      stsReplicas: 3,
      pods: three,
      admin: map(active3, [store]),
    });
    expect(health(o)).toMatchObject({
      available: false,
      reason: 'StoresIncomplete',
      storesReady: '0/1',
    });
    const full = observed({
      spec: { replicas: 3, stores: [{ name: 'kv' }] },
      stsReplicas: 3,
      pods: three,
      admin: map(active3, [{ ...store, replicas: ['demo-0', 'demo-1', 'demo-2'] }]),
    });
    expect(health(full)).toMatchObject({
      available: true,
      reason: 'ClusterReady',
      storesReady: '1/1',
    });
    const notReady = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: [pod(0), pod(1), pod(2, { ready: false })],
      admin: { kind: 'unsupported' },
    });
    expect(health(notReady)).toMatchObject({ available: false, reason: 'PeersNotReady' });
  });

  test('peers without the admin API: Available on pod readiness alone, said so', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: three,
      admin: { kind: 'unsupported' },
    });
    expect(health(o)).toMatchObject({ available: true, reason: 'PeersReady' });
    expect(health(o).message).toMatch(/no BrokerAdmin/);
  });
});

describe('scale up: learner first, promoted when caught up', () => {
  const five = [...three, pod(3), pod(4)];
  test('the StatefulSet grows at once; a Ready new peer is added', () => {
    const o = observed({ spec: { replicas: 5 }, stsReplicas: 3, pods: five, admin: map(active3) });
    expect(plan(o)).toMatchObject({
      statefulSetReplicas: 5,
      action: { kind: 'addMember', id: 'demo-3' },
      operation: { type: 'ScaleUp' },
    });
  });
  test('a joining member is promoted', () => {
    const o = observed({
      spec: { replicas: 5 },
      stsReplicas: 5,
      pods: five,
      admin: map({ ...active3, 'demo-3': 'ACTIVE', 'demo-4': 'JOINING' }),
    });
    expect(plan(o).action).toEqual({ kind: 'promoteMember', id: 'demo-4' });
  });
  test('a new peer that is not Ready yet is waited for', () => {
    const o = observed({
      spec: { replicas: 5 },
      stsReplicas: 5,
      pods: [...three, pod(3), pod(4, { ready: false })],
      admin: map({ ...active3, 'demo-3': 'ACTIVE' }),
      status: { operation: { type: 'ScaleUp', target: '5 peers', progress: '', startedAt: '' } },
    });
    expect(plan(o)).toMatchObject({
      action: undefined,
      operation: { type: 'ScaleUp', progress: '4/5 peers ready' },
    });
  });
});

describe('failover', () => {
  test('a lost pod of an Available cluster is a Recover operation', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: [pod(0), pod(1)],
      admin: { kind: 'unsupported' },
      status: {
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'PeersReady',
            message: '',
            observedGeneration: 1,
            lastTransitionTime: '',
          },
        ],
      },
    });
    expect(plan(o).operation).toEqual({
      type: 'Recover',
      target: '3 peers',
      progress: '2/3 peers ready',
    });
  });
});

describe('failover: a peer down too long is replaced', () => {
  const down = (s: number) => pod(2, { ready: false, notReadySince: NOW - s * 1000 });
  test('after spec.failover.replaceAfterSeconds it is removed and started over', () => {
    const o = observed({
      spec: { replicas: 3, failover: { replaceAfterSeconds: 60 } },
      stsReplicas: 3,
      pods: [pod(0), pod(1), down(61)],
      admin: map(active3),
    });
    expect(plan(o)).toMatchObject({
      action: { kind: 'replacePeer', pod: 'demo-2' },
      operation: { type: 'Recover' },
    });
  });
  test('not before, not without a quorum of Ready peers, not without the admin API', () => {
    const spec = { replicas: 3, failover: { replaceAfterSeconds: 60 } };
    expect(
      plan(
        observed({ spec, stsReplicas: 3, pods: [pod(0), pod(1), down(59)], admin: map(active3) })
      ).action
    ).toBeUndefined();
    const two = [pod(0), pod(1, { ready: false, notReadySince: NOW - 120_000 }), down(120)];
    expect(
      plan(observed({ spec, stsReplicas: 3, pods: two, admin: map(active3) })).action
    ).toBeUndefined();
    expect(
      plan(
        observed({
          spec,
          stsReplicas: 3,
          pods: [pod(0), pod(1), down(600)],
          admin: { kind: 'unsupported' },
        })
      ).action
    ).toBeUndefined();
  });
  test('the fresh peer then joins again as a learner', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: three,
      admin: map({ 'demo-0': 'ACTIVE', 'demo-1': 'ACTIVE' }),
    });
    expect(plan(o).action).toEqual({ kind: 'addMember', id: 'demo-2', pod: 'demo-2' });
  });
});

describe('scale down: drain, remove, then shrink, one peer at a time', () => {
  const five = [...three, pod(3), pod(4)];
  const active5 = { ...active3, 'demo-3': 'ACTIVE', 'demo-4': 'ACTIVE' } as const;
  test('the highest ordinal is drained first; the StatefulSet keeps its size', () => {
    const o = observed({ spec: { replicas: 3 }, stsReplicas: 5, pods: five, admin: map(active5) });
    expect(plan(o)).toMatchObject({
      statefulSetReplicas: 5,
      action: { kind: 'drainMember', id: 'demo-4' },
      operation: { type: 'ScaleDown' },
    });
  });
  test('while draining, the drain status is polled (removal when done)', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 5,
      pods: five,
      admin: map({ ...active5, 'demo-4': 'DRAINING' }),
    });
    expect(plan(o)).toMatchObject({
      statefulSetReplicas: 5,
      action: { kind: 'checkDrain', id: 'demo-4' },
    });
  });
  test('once removed from the map, the StatefulSet shrinks by one', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 5,
      pods: five,
      admin: map({ ...active3, 'demo-3': 'ACTIVE', 'demo-4': 'REMOVED' }),
    });
    expect(plan(o)).toMatchObject({ statefulSetReplicas: 4, action: undefined });
  });
  test('after the shrink, the volume of the removed peer is deleted', () => {
    const o = {
      ...observed({ spec: { replicas: 3 }, stsReplicas: 3, pods: three, admin: map(active3) }),
      pvcs: ['data-demo-0', 'data-demo-1', 'data-demo-2', 'data-demo-3'].map((name) => ({
        metadata: { name },
      })),
    };
    expect(plan(o).action).toMatchObject({ kind: 'deletePvc', pvc: 'data-demo-3' });
    const terminating = { ...o, pods: [...three, pod(3, { terminating: true })] };
    expect(plan(terminating).action).toBeUndefined();
  });
  test('a pod of a removed member started again by a scale up is added again, Ready or not', () => {
    const o = observed({
      spec: { replicas: 4 },
      stsReplicas: 4,
      pods: [...three, pod(3, { ready: false })],
      admin: map({ ...active3, 'demo-3': 'REMOVED' }),
    });
    expect(plan(o).action).toEqual({ kind: 'addMember', id: 'demo-3', pod: 'demo-3' });
    // Still leaving (a scale down in progress): not added back.
    const leaving = observed({
      spec: { replicas: 3 },
      stsReplicas: 4,
      pods: [...three, pod(3)],
      admin: map({ ...active3, 'demo-3': 'REMOVED' }),
    });
    expect(plan(leaving).action?.kind).not.toBe('addMember');
  });
  test('a StatefulSet shrunk by hand keeps the volumes of peers that are still members', () => {
    const o = {
      ...observed({
        spec: { replicas: 3 },
        stsReplicas: 1,
        pods: [pod(0)],
        admin: map(active3),
      }),
      pvcs: ['data-demo-0', 'data-demo-1', 'data-demo-2'].map((name) => ({ metadata: { name } })),
    };
    const p = plan(o);
    expect(p.action?.kind).not.toBe('deletePvc');
    expect(p.statefulSetReplicas).toBe(3);
    // Nor while the map cannot be read.
    const blind = { ...o, admin: { kind: 'unreachable' as const, reason: 'x' } };
    expect(plan(blind).action?.kind).not.toBe('deletePvc');
  });
  test('an operator restarted mid-drain resumes from the map (same decision)', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 4,
      pods: [...three, pod(3)],
      admin: map({ ...active3, 'demo-3': 'DRAINING' }),
    });
    expect(plan(o).action).toEqual({ kind: 'checkDrain', id: 'demo-3' });
  });
  test('without the admin API nothing is held, so it shrinks at once', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 5,
      pods: five,
      admin: { kind: 'unsupported' },
    });
    expect(plan(o).statefulSetReplicas).toBe(3);
  });
  test('an unreachable admin API holds the scale down', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 5,
      pods: five,
      admin: { kind: 'unreachable', reason: 'timeout' },
    });
    expect(plan(o)).toMatchObject({ statefulSetReplicas: 5, action: undefined });
    expect(plan(o).blocked).toMatch(/timeout/);
  });
});

describe('rolling change', () => {
  const stale = [
    pod(0, { revision: 'r1' }),
    pod(1, { revision: 'r1' }),
    pod(2, { revision: 'r1' }),
  ];
  test('leadership is moved off the highest-ordinal outdated peer first', () => {
    const groups = new Map([
      [
        'demo-2',
        {
          member: 'demo-2',
          groups: [
            { group: 'meta', role: 'leader' },
            { group: 'g1', role: 'follower' },
          ],
        },
      ],
    ]) as unknown as Observed['groups'];
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: stale,
      admin: map(active3),
      updateRevision: 'r2',
      groups,
    });
    expect(plan(o).action).toEqual({ kind: 'transferLeadership', pod: 'demo-2', groups: ['meta'] });
  });
  test('then the peer is restarted', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: stale,
      admin: map(active3),
      updateRevision: 'r2',
    });
    expect(plan(o)).toMatchObject({
      action: { kind: 'deletePod', pod: 'demo-2' },
      operation: { type: 'Roll', progress: '0/3 peers updated' },
    });
  });
  test('the next waits until the restarted peer is Ready and caught up', () => {
    const pods = [pod(0), pod(1), pod(2, { revision: 'r2', ready: false })];
    expect(
      plan(
        observed({
          spec: { replicas: 3 },
          stsReplicas: 3,
          pods,
          admin: map(active3),
          updateRevision: 'r2',
        })
      )
    ).toMatchObject({ action: undefined, blocked: 'waiting for every peer to be Ready' });
    const readyPods = [pod(0), pod(1), pod(2, { revision: 'r2' })];
    const joining = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: readyPods,
      admin: map({ ...active3, 'demo-2': 'JOINING' }),
      updateRevision: 'r2',
    });
    // Promotion (refused by the peers until it has caught up) comes before the next restart.
    expect(plan(joining).action).toEqual({ kind: 'promoteMember', id: 'demo-2' });
    const next = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: readyPods,
      admin: map(active3),
      updateRevision: 'r2',
    });
    expect(plan(next).action).toEqual({
      kind: 'deletePod',
      pod: 'demo-1',
      why: 'rolling to the new revision',
    });
  });
  test('a new, joining peer that is not Ready does not hold the roll that brings it the peer list', () => {
    const pods = [pod(0), pod(1), pod(2), pod(3, { revision: 'r2', ready: false })];
    const o = observed({
      spec: { replicas: 4 },
      stsReplicas: 4,
      pods,
      admin: map({ ...active3, 'demo-3': 'JOINING' }),
      updateRevision: 'r2',
    });
    expect(plan(o).action).toEqual({
      kind: 'deletePod',
      pod: 'demo-2',
      why: 'rolling to the new revision',
    });
    // An existing (active) peer that is not Ready does hold it.
    const down = [
      pod(0),
      pod(1, { ready: false }),
      pod(2),
      pod(3, { revision: 'r2', ready: false }),
    ];
    const held = observed({
      spec: { replicas: 4 },
      stsReplicas: 4,
      pods: down,
      admin: map({ ...active3, 'demo-3': 'JOINING' }),
      updateRevision: 'r2',
    });
    expect(plan(held).action).toBeUndefined();
  });
  test('no restart while the metadata group has no leader', () => {
    const o = observed({
      spec: { replicas: 3 },
      stsReplicas: 3,
      pods: three,
      admin: map(active3, [], ''),
      updateRevision: 'r2',
    });
    expect(plan(o)).toMatchObject({
      action: undefined,
      blocked: 'waiting for the metadata group to elect a leader',
    });
  });
  test('nothing to do when every pod has the update revision', () => {
    const o = observed({ spec: { replicas: 3 }, stsReplicas: 3, pods: three, admin: map(active3) });
    expect(plan(o)).toEqual({
      statefulSetReplicas: 3,
      action: undefined,
      operation: undefined,
      blocked: undefined,
    });
  });
});

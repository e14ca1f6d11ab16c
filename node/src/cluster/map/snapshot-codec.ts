/**
 * The snapshot of the cluster map: UTF-8 JSON `{"v":1,clusterId,index,members,stores}` with
 * the records as they are. Decoding checks every field and every invariant the map keeps (the
 * ones written on the record fields in types.ts), so a restored map is one that apply could
 * have produced.
 */
import { ClusterMapRestoreError, InvalidMetaCommandError } from './errors.js';
import { parseReplicaId } from './replica-id.js';
import { MAX_MEMBERS, MAX_SNAPSHOT_BYTES, MAX_STORES } from './limits.js';
import {
  checkAddress,
  checkClusterId,
  checkCount,
  checkMemberId,
  checkStoreName,
  storeGroupId,
} from './names.js';
import {
  MEMBER_STATES,
  type ClusterMapState,
  type MemberRecord,
  type MemberState,
  type StoreRecord,
} from './types.js';

const FORMAT_VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(message: string): never {
  throw new InvalidMetaCommandError(message);
}

function exactly(
  o: unknown,
  keys: readonly string[],
  where: string,
  optional: readonly string[] = []
): Record<string, unknown> {
  if (!isObject(o)) fail(`${where}: expected an object`);
  const allowed = new Set([...keys, ...optional]);
  for (const k of Object.keys(o)) {
    if (!allowed.has(k)) fail(`${where}: unknown field ${JSON.stringify(k.slice(0, 64))}`);
  }
  for (const k of keys) if (o[k] === undefined) fail(`${where}.${k}: missing`);
  return o;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') fail(`${field}: expected true or false`);
  return v;
}

function ids(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length > MAX_MEMBERS)
    fail(`${field}: expected a list of at most ${MAX_MEMBERS} ids`);
  const out = v.map((x, i) => checkMemberId(x, `${field}[${i}]`));
  if (new Set(out).size !== out.length) fail(`${field}: an id appears twice`);
  return out;
}

function replicaIds(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0)
    fail(`${field}: expected a non-empty array of replica ids`);
  const out = (v as unknown[]).map((x, i) => {
    try {
      parseReplicaId(x as string);
    } catch {
      fail(`${field}[${i}]: not a replica id (member@generation)`);
    }
    return x as string;
  });
  if (new Set(out).size !== out.length) fail(`${field}: an id appears twice`);
  return out;
}

const MEMBER_KEYS = ['id', 'address', 'state', 'generation', 'metaVoter'];
const STORE_KEYS = [
  'name',
  'group',
  'replicationFactor',
  'options',
  'replicas',
  'learners',
  'createdIndex',
  'deleting',
  'initialReplicas',
];

function parseMember(u: unknown, where: string): MemberRecord {
  const o = exactly(u, MEMBER_KEYS, where);
  const state = o['state'];
  if (typeof state !== 'string' || !MEMBER_STATES.includes(state as MemberState))
    fail(`${where}.state: expected one of ${MEMBER_STATES.join(', ')}`);
  const m: MemberRecord = {
    id: checkMemberId(o['id'], `${where}.id`),
    address: checkAddress(o['address'], `${where}.address`),
    state: state as MemberState,
    generation: checkCount(o['generation'], `${where}.generation`),
    metaVoter: bool(o['metaVoter'], `${where}.metaVoter`),
  };
  if (m.metaVoter && m.state !== 'active' && m.state !== 'draining')
    fail(`${where}: a ${m.state} member cannot be a meta voter`);
  return m;
}

function parseStore(
  u: unknown,
  where: string,
  index: number,
  members: ReadonlyMap<string, MemberRecord>
): StoreRecord {
  // preferredLeader is written only when set, so maps without one keep their old bytes.
  const o = exactly(u, STORE_KEYS, where, ['preferredLeader']);
  const opts = exactly(o['options'], ['maxKeys', 'maxBytes'], `${where}.options`);
  const s: StoreRecord = {
    name: checkStoreName(o['name'], `${where}.name`),
    group: typeof o['group'] === 'string' ? o['group'] : fail(`${where}.group: expected a string`),
    replicationFactor: checkCount(o['replicationFactor'], `${where}.replicationFactor`, 1),
    options: {
      maxKeys: checkCount(opts['maxKeys'], `${where}.options.maxKeys`),
      maxBytes: checkCount(opts['maxBytes'], `${where}.options.maxBytes`),
    },
    replicas: ids(o['replicas'], `${where}.replicas`),
    learners: ids(o['learners'], `${where}.learners`),
    createdIndex: checkCount(o['createdIndex'], `${where}.createdIndex`, 1),
    initialReplicas: replicaIds(o['initialReplicas'], `${where}.initialReplicas`),
    deleting: bool(o['deleting'], `${where}.deleting`),
    ...(o['preferredLeader'] !== undefined
      ? { preferredLeader: checkMemberId(o['preferredLeader'], `${where}.preferredLeader`) }
      : {}),
  };
  if (s.preferredLeader !== undefined && !s.replicas.includes(s.preferredLeader))
    fail(`${where}.preferredLeader: ${s.preferredLeader} is not one of its replicas`);
  if (s.createdIndex > index)
    fail(`${where}.createdIndex: ${s.createdIndex} is after the map's index ${index}`);
  if (s.group !== storeGroupId(s.name, s.createdIndex))
    fail(`${where}.group: expected ${storeGroupId(s.name, s.createdIndex)}`);
  if (s.replicas.length === 0) fail(`${where}.replicas: empty`);
  const voters = new Set(s.replicas);
  for (const [field, list] of [
    ['replicas', s.replicas],
    ['learners', s.learners],
  ] as const) {
    for (const id of list) {
      const m = members.get(id);
      if (m === undefined) fail(`${where}.${field}: unknown member ${id}`);
      if (m.state === 'removed') fail(`${where}.${field}: member ${id} is removed`);
      if (field === 'learners' && voters.has(id))
        fail(`${where}.learners: ${id} is also in replicas`);
    }
  }
  return s;
}

/** Encodes a map's state (the snapshot of the meta group's state machine). */
export function encodeClusterMapState(state: ClusterMapState): Uint8Array {
  return enc.encode(
    JSON.stringify({
      v: FORMAT_VERSION,
      clusterId: state.clusterId,
      index: state.index,
      members: state.members.map((m) => ({
        id: m.id,
        address: m.address,
        state: m.state,
        generation: m.generation,
        metaVoter: m.metaVoter,
      })),
      stores: state.stores.map((s) => ({
        name: s.name,
        group: s.group,
        replicationFactor: s.replicationFactor,
        options: { maxKeys: s.options.maxKeys, maxBytes: s.options.maxBytes },
        replicas: s.replicas,
        learners: s.learners,
        createdIndex: s.createdIndex,
        initialReplicas: s.initialReplicas,
        deleting: s.deleting,
        ...(s.preferredLeader !== undefined ? { preferredLeader: s.preferredLeader } : {}),
      })),
    })
  );
}

function parseState(u: unknown): ClusterMapState {
  const o = exactly(u, ['v', 'clusterId', 'index', 'members', 'stores'], 'snapshot');
  if (o['v'] !== FORMAT_VERSION) fail(`snapshot.v: format version is not ${FORMAT_VERSION}`);
  const index = checkCount(o['index'], 'snapshot.index');
  const rawMembers = o['members'];
  const rawStores = o['stores'];
  if (!Array.isArray(rawMembers) || rawMembers.length > MAX_MEMBERS)
    fail(`snapshot.members: expected a list of at most ${MAX_MEMBERS}`);
  if (!Array.isArray(rawStores) || rawStores.length > MAX_STORES)
    fail(`snapshot.stores: expected a list of at most ${MAX_STORES}`);
  if (o['clusterId'] === '') {
    if (index !== 0 || rawMembers.length !== 0 || rawStores.length !== 0)
      fail('snapshot: a map without a cluster id must be empty at index 0');
    return { clusterId: '', index: 0, members: [], stores: [] };
  }
  const clusterId = checkClusterId(o['clusterId'], 'snapshot.clusterId');
  if (index < 1) fail('snapshot.index: a bootstrapped map is at index 1 or later');
  if (rawMembers.length === 0) fail('snapshot.members: a bootstrapped map has members');
  const members = new Map<string, MemberRecord>();
  rawMembers.forEach((x, i) => {
    const m = parseMember(x, `snapshot.members[${i}]`);
    if (members.has(m.id)) fail(`snapshot.members[${i}]: member ${m.id} appears twice`);
    members.set(m.id, m);
  });
  const stores = new Map<string, StoreRecord>();
  rawStores.forEach((x, i) => {
    const s = parseStore(x, `snapshot.stores[${i}]`, index, members);
    if (stores.has(s.name)) fail(`snapshot.stores[${i}]: store ${s.name} appears twice`);
    stores.set(s.name, s);
  });
  return { clusterId, index, members: [...members.values()], stores: [...stores.values()] };
}

/** Decodes and validates a snapshot. Never throws anything but ClusterMapRestoreError. */
export function decodeClusterMapState(data: Uint8Array): ClusterMapState {
  if (!(data instanceof Uint8Array))
    throw new ClusterMapRestoreError('cluster map snapshot: expected bytes');
  if (data.byteLength > MAX_SNAPSHOT_BYTES)
    throw new ClusterMapRestoreError(
      `cluster map snapshot: ${data.byteLength} bytes, at most ${MAX_SNAPSHOT_BYTES}`
    );
  let u: unknown;
  try {
    u = JSON.parse(dec.decode(data));
  } catch (cause) {
    throw new ClusterMapRestoreError('cluster map snapshot: not UTF-8 JSON', { cause });
  }
  try {
    return parseState(u);
  } catch (cause) {
    // The checks name their field from "snapshot" down (snapshot.stores[2].replicas: ...).
    const why = cause instanceof InvalidMetaCommandError ? cause.message : 'snapshot: malformed';
    throw new ClusterMapRestoreError(`cluster map ${why}`, { cause });
  }
}

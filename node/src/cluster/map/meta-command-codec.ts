/**
 * The bytes of a meta log entry: UTF-8 JSON `{"v":1,"kind":...,<fields>}` with a fixed key
 * order. Decoding accepts exactly the fields of the kind (an unknown field is an error, not
 * ignored: a peer that skipped a field it does not know would apply the entry differently from
 * its peers). The same syntax checks guard `ClusterMap.apply`, so a command built in code is
 * held to the rules a decoded one is.
 */
import { InvalidMetaCommandError, MetaCommandDecodeError } from './errors.js';
import { MAX_MEMBERS, MAX_META_COMMAND_BYTES } from './limits.js';
import {
  checkAddress,
  checkClusterId,
  checkCount,
  checkMemberId,
  checkStoreName,
} from './names.js';
import {
  MEMBER_STATES,
  type MemberState,
  type MetaCommand,
  type MetaCommandKind,
} from './types.js';

const FORMAT_VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Fields of each kind besides `kind`; `?` marks an optional one. */
const FIELDS: Record<MetaCommandKind, readonly string[]> = {
  bootstrap: ['clusterId', 'members', 'metaVoters?'],
  'add-member': ['id', 'address'],
  rejoin: ['id', 'address', 'fromGeneration?'],
  'set-member-state': ['id', 'state'],
  'set-address': ['id', 'address'],
  'create-store': ['name', 'replicationFactor', 'options'],
  'delete-store': ['name'],
  'store-gone': ['name'],
  'set-replicas': ['name', 'replicas', 'learners'],
  'set-meta-voters': ['ids'],
  'set-preferred-leader': ['name', 'leader'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): InvalidMetaCommandError {
  return new InvalidMetaCommandError(message);
}

/** Throws unless `o` has every required field of `spec` and nothing else. */
function checkFields(
  o: Record<string, unknown>,
  spec: readonly string[],
  where: string,
  extra: readonly string[]
): void {
  const known = new Set([...extra, ...spec.map((f) => f.replace('?', ''))]);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw bad(`${where}: unknown field ${JSON.stringify(k.slice(0, 64))}`);
  }
  for (const f of spec) {
    if (!f.endsWith('?') && o[f] === undefined) throw bad(`${where}.${f}: missing`);
  }
}

function list(v: unknown, field: string, max: number): readonly unknown[] {
  if (!Array.isArray(v)) throw bad(`${field}: expected a list`);
  if (v.length > max) throw bad(`${field}: ${v.length} entries, at most ${max}`);
  return v;
}

/** A list of distinct member ids. */
function idList(v: unknown, field: string): string[] {
  const ids = list(v, field, MAX_MEMBERS).map((x, i) => checkMemberId(x, `${field}[${i}]`));
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw bad(`${field}: member id ${id} appears twice`);
    seen.add(id);
  }
  return ids;
}

/**
 * Checks the syntax of a command (types, ids, names, addresses, numbers, no unknown fields)
 * and returns a fresh copy holding only its fields. Throws InvalidMetaCommandError naming the
 * field. State-dependent rules are ClusterMap.apply's.
 */
export function parseMetaCommand(u: unknown): MetaCommand {
  if (!isObject(u)) throw bad('meta command: expected an object');
  const kind = u['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) {
    throw bad(
      `meta command: unknown kind ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 64)) : typeof kind}`
    );
  }
  const k = kind as MetaCommandKind;
  checkFields(u, FIELDS[k], k, ['kind']);
  const f = (name: string): string => `${k}.${name}`;
  switch (k) {
    case 'bootstrap': {
      const members = list(u['members'], f('members'), MAX_MEMBERS).map((m, i) => {
        const where = `${f('members')}[${i}]`;
        if (!isObject(m)) throw bad(`${where}: expected an object`);
        checkFields(m, ['id', 'address'], where, []);
        return {
          id: checkMemberId(m['id'], `${where}.id`),
          address: checkAddress(m['address'], `${where}.address`),
        };
      });
      if (members.length === 0) throw bad(`${f('members')}: at least one founder is needed`);
      const ids = new Set<string>();
      for (const m of members) {
        if (ids.has(m.id)) throw bad(`${f('members')}: member id ${m.id} appears twice`);
        ids.add(m.id);
      }
      const clusterId = checkClusterId(u['clusterId'], f('clusterId'));
      if (u['metaVoters'] === undefined) return { kind: k, clusterId, members };
      const metaVoters = idList(u['metaVoters'], f('metaVoters'));
      return { kind: k, clusterId, members, metaVoters };
    }
    case 'add-member':
    case 'set-address':
      return {
        kind: k,
        id: checkMemberId(u['id'], f('id')),
        address: checkAddress(u['address'], f('address')),
      };
    case 'rejoin': {
      const id = checkMemberId(u['id'], f('id'));
      const address = checkAddress(u['address'], f('address'));
      if (u['fromGeneration'] === undefined) return { kind: k, id, address };
      return {
        kind: k,
        id,
        address,
        fromGeneration: checkCount(u['fromGeneration'], f('fromGeneration')),
      };
    }
    case 'set-member-state': {
      const state = u['state'];
      if (typeof state !== 'string' || !MEMBER_STATES.includes(state as MemberState)) {
        throw bad(
          `${f('state')}: expected one of ${MEMBER_STATES.join(', ')}, got ${typeof state === 'string' ? JSON.stringify(state.slice(0, 64)) : typeof state}`
        );
      }
      return { kind: k, id: checkMemberId(u['id'], f('id')), state: state as MemberState };
    }
    case 'create-store': {
      const o = u['options'];
      if (!isObject(o)) throw bad(`${f('options')}: expected an object`);
      checkFields(o, ['maxKeys', 'maxBytes'], f('options'), []);
      return {
        kind: k,
        name: checkStoreName(u['name'], f('name')),
        replicationFactor: checkCount(u['replicationFactor'], f('replicationFactor'), 1),
        options: {
          maxKeys: checkCount(o['maxKeys'], f('options.maxKeys')),
          maxBytes: checkCount(o['maxBytes'], f('options.maxBytes')),
        },
      };
    }
    case 'delete-store':
    case 'store-gone':
      return { kind: k, name: checkStoreName(u['name'], f('name')) };
    case 'set-replicas': {
      const replicas = idList(u['replicas'], f('replicas'));
      const learners = idList(u['learners'], f('learners'));
      if (replicas.length === 0)
        throw bad(`${f('replicas')}: a store needs at least one voting replica`);
      const voters = new Set(replicas);
      const both = learners.find((l) => voters.has(l));
      if (both !== undefined) throw bad(`${f('learners')}: ${both} is also in replicas`);
      return { kind: k, name: checkStoreName(u['name'], f('name')), replicas, learners };
    }
    case 'set-preferred-leader': {
      const leader = u['leader'] === '' ? '' : checkMemberId(u['leader'], f('leader'));
      return { kind: k, name: checkStoreName(u['name'], f('name')), leader };
    }
    case 'set-meta-voters': {
      const ids = idList(u['ids'], f('ids'));
      if (ids.length === 0) throw bad(`${f('ids')}: at least one voter is needed`);
      return { kind: k, ids };
    }
  }
}

/** Encodes a command as entry data. Throws InvalidMetaCommandError if it is malformed. */
export function encodeMetaCommand(cmd: MetaCommand): Uint8Array {
  const c = parseMetaCommand(cmd);
  // The parsed copy has its fields in FIELDS order, so equal commands give equal bytes.
  return enc.encode(JSON.stringify({ v: FORMAT_VERSION, ...c }));
}

/**
 * Decodes entry data. Never throws anything but MetaCommandDecodeError, whose message names
 * the field that is wrong.
 */
export function decodeMetaCommand(data: Uint8Array): MetaCommand {
  if (!(data instanceof Uint8Array))
    throw new MetaCommandDecodeError('meta command: expected bytes');
  if (data.byteLength > MAX_META_COMMAND_BYTES) {
    throw new MetaCommandDecodeError(
      `meta command: ${data.byteLength} bytes, at most ${MAX_META_COMMAND_BYTES}`
    );
  }
  let u: unknown;
  try {
    u = JSON.parse(dec.decode(data));
  } catch (cause) {
    throw new MetaCommandDecodeError('meta command: not UTF-8 JSON', { cause });
  }
  if (!isObject(u)) throw new MetaCommandDecodeError('meta command: expected an object');
  if (u['v'] !== FORMAT_VERSION) {
    const v = u['v'];
    throw new MetaCommandDecodeError(
      `meta command.v: format version ${typeof v === 'number' ? v : 'missing or not a number'} is not ${FORMAT_VERSION}`
    );
  }
  const { v: _v, ...rest } = u;
  try {
    return parseMetaCommand(rest);
  } catch (cause) {
    if (cause instanceof InvalidMetaCommandError)
      throw new MetaCommandDecodeError(cause.message, { cause });
    throw new MetaCommandDecodeError('meta command: malformed', { cause });
  }
}

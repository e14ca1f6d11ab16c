/**
 * Syntax of the names the map holds: member ids, store names, the cluster id, addresses, and
 * the group id derived from a store. Each check takes the raw value and the field it came
 * from, and throws InvalidMetaCommandError naming that field.
 */
import { InvalidMetaCommandError } from './errors.js';
import { MAX_ADDRESS_LENGTH, MAX_STORE_NAME_LENGTH } from './limits.js';

/** The same rule as `broker-node --id`. */
export const MEMBER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Store names and the cluster id: letters, digits, "_", ".", "-" (see docs/cluster.md). */
const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const HOST_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$/;
const IPV6_RE = /^[0-9A-Fa-f:.]{2,45}$/;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
  return typeof v;
}

function needString(v: unknown, field: string): string {
  if (typeof v !== 'string')
    throw new InvalidMetaCommandError(`${field}: expected a string, got ${show(v)}`);
  return v;
}

/** A member id: 1..63 of [A-Za-z0-9_.-], starting with a letter or digit. */
export function checkMemberId(v: unknown, field: string): string {
  const s = needString(v, field);
  if (!MEMBER_ID_RE.test(s)) {
    throw new InvalidMetaCommandError(
      `${field}: invalid member id ${show(s)} (letters, digits, "-", "_", "."; starts with a letter or digit; at most 63)`
    );
  }
  return s;
}

/** A store name: 1..128 of [A-Za-z0-9_.-]. */
export function checkStoreName(v: unknown, field: string): string {
  const s = needString(v, field);
  if (s.length === 0 || s.length > MAX_STORE_NAME_LENGTH || !NAME_RE.test(s)) {
    throw new InvalidMetaCommandError(
      `${field}: invalid store name ${show(s)} (1..${MAX_STORE_NAME_LENGTH} of letters, digits, "-", "_", ".")`
    );
  }
  return s;
}

/** The cluster id: the same syntax as a store name. */
export function checkClusterId(v: unknown, field: string): string {
  const s = needString(v, field);
  if (s.length === 0 || s.length > MAX_STORE_NAME_LENGTH || !NAME_RE.test(s)) {
    throw new InvalidMetaCommandError(
      `${field}: invalid cluster id ${show(s)} (1..${MAX_STORE_NAME_LENGTH} of letters, digits, "-", "_", ".")`
    );
  }
  return s;
}

/**
 * HOST:PORT, where HOST is a DNS name or IPv4 address (letters, digits, ".", "-", "_") or an
 * IPv6 address in brackets, and PORT is 1..65535 (a member's address is one others dial).
 */
export function checkAddress(v: unknown, field: string): string {
  const s = needString(v, field);
  const bad = (why: string): InvalidMetaCommandError =>
    new InvalidMetaCommandError(`${field}: ${why}, got ${show(s)}`);
  if (s.length > MAX_ADDRESS_LENGTH) throw bad(`address longer than ${MAX_ADDRESS_LENGTH}`);
  const colon = s.lastIndexOf(':');
  if (colon < 1) throw bad('expected HOST:PORT');
  const host = s.slice(0, colon);
  const port = s.slice(colon + 1);
  const hostOk =
    host.startsWith('[') && host.endsWith(']')
      ? IPV6_RE.test(host.slice(1, -1)) && host.slice(1, -1).includes(':')
      : HOST_RE.test(host);
  if (!hostOk) throw bad('expected HOST:PORT with a DNS name, IPv4 or [IPv6] host');
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535)
    throw bad('expected a port in 1..65535');
  return s;
}

/** A non-negative safe integer (JSON numbers beyond 2^53 would not round-trip). */
export function checkCount(v: unknown, field: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new InvalidMetaCommandError(
      `${field}: expected an integer >= ${min} (at most 2^53-1), got ${typeof v === 'number' ? String(v) : show(v)}`
    );
  }
  return v;
}

/**
 * The Raft group id of a store created at meta log index `createdIndex`. Unique per creation
 * (the suffix after the last "-" is the index, which has no "-"), and within the characters
 * storage keeps readable in file names.
 */
export function storeGroupId(name: string, createdIndex: number): string {
  return `s-${name}-${createdIndex}`;
}

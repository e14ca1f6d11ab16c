import { ConfChangeDecodeError } from './errors.js';
import type { ConfChangeSingle, ConfChangeType, ConfChangeV2 } from './types.js';

const TRANSITIONS = new Set(['auto', 'joint-implicit', 'joint-explicit']);
const TYPES = new Set<ConfChangeType>(['add-voter', 'add-learner', 'remove']);
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s))
    throw new ConfChangeDecodeError('context is not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Encodes a ConfChangeV2 as the data of a ConfChange entry (UTF-8 JSON). */
export function encodeConfChange(cc: ConfChangeV2): Uint8Array {
  const o: { t: string; c: [string, string][]; x?: string } = {
    t: cc.transition,
    c: cc.changes.map((c) => [c.type, c.node]),
  };
  if (cc.context !== undefined && cc.context.byteLength > 0) o.x = toHex(cc.context);
  return enc.encode(JSON.stringify(o));
}

/** Decodes ConfChange entry data. Throws ConfChangeDecodeError naming what is wrong. */
export function decodeConfChange(data: Uint8Array): ConfChangeV2 {
  let o: unknown;
  try {
    o = JSON.parse(dec.decode(data));
  } catch (cause) {
    throw new ConfChangeDecodeError('conf change data is not UTF-8 JSON', { cause });
  }
  if (o === null || typeof o !== 'object')
    throw new ConfChangeDecodeError('conf change is not an object');
  const r = o as { t?: unknown; c?: unknown; x?: unknown };
  if (typeof r.t !== 'string' || !TRANSITIONS.has(r.t)) {
    throw new ConfChangeDecodeError(`conf change transition ${String(r.t)} is unknown`);
  }
  if (!Array.isArray(r.c)) throw new ConfChangeDecodeError('conf change changes is not a list');
  const changes: ConfChangeSingle[] = r.c.map((c: unknown, i: number) => {
    if (!Array.isArray(c) || c.length !== 2)
      throw new ConfChangeDecodeError(`change #${i} is malformed`);
    const [type, node] = c as [unknown, unknown];
    if (typeof type !== 'string' || !TYPES.has(type as ConfChangeType)) {
      throw new ConfChangeDecodeError(`change #${i} has unknown type ${String(type)}`);
    }
    if (typeof node !== 'string' || node === '') {
      throw new ConfChangeDecodeError(`change #${i} has an empty node id`);
    }
    return { type: type as ConfChangeType, node };
  });
  const transition = r.t as ConfChangeV2['transition'];
  if (r.x !== undefined) {
    if (typeof r.x !== 'string')
      throw new ConfChangeDecodeError('conf change context is not a string');
    return { transition, changes, context: fromHex(r.x) };
  }
  return { transition, changes };
}

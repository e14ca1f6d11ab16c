/**
 * The binary form of a `StoreCommand`, as it sits in a store's Raft log. Compact and
 * versioned; the decoder validates everything and throws only `StoreCommandError`.
 *
 * Layout (integers big-endian; `varuint` is unsigned LEB128 of at most 32 bits, shortest
 * form; `string` is a varuint length and UTF-8; `value` is a varuint length and one value in
 * the data module's binary format):
 *
 * ```
 * command := version:u8 (=1) kind:u8 body
 * write   (kind 1) := requestId:string publisher:string nowUnixNs:i64 count:varuint op*
 * expire  (kind 2) := nowUnixNs:i64 publisher:string count:varuint (key:value deadline:i64)*
 * op      := tag:u8 flags:u8 fields
 *   tag 1 put, 2 put_unique: key:value value:value [expiry:i64]
 *   tag 3 erase:             key:value
 *   tag 4 clear:             (nothing)
 *   tag 5 add:               key:value value:value [initType:u8] [expiry:i64]
 *   tag 6 subtract:          key:value value:value [expiry:i64]
 *   tag 7 cas:               key:value expectedVersion:u64 [value:value] [expiry:i64]
 * flags   := bit 0 expiry present, bit 1 initType present (add), bit 2 value present (cas),
 *            bit 3 erase (cas); any other bit, or a bit an op does not take, is an error.
 * ```
 *
 * Encoding checks the same rules, so whatever `encodeCommand` returns, `decodeCommand`
 * accepts on every replica.
 */
import { Buffer } from 'node:buffer';

import { DATA_KINDS, DataTag, MAX_COUNT, MAX_INT64, MIN_INT64 } from '../data/index.js';
import type { Data, DataKind } from '../data/index.js';

import { ByteFormatError, ByteReader, ByteWriter } from './byte-io.js';
import { StoreCommandError } from './errors.js';
import type { ExpiredKey, StoreCommand, StoreOp } from './types.js';

/** The format version this module writes and reads. */
export const COMMAND_FORMAT_VERSION = 1;
/** Most operations in one write command. */
export const MAX_OPS_PER_COMMAND = 10_000;
/** Most keys in one expire command. */
export const MAX_EXPIRE_KEYS = 10_000;
/** Longest request id or publisher, in UTF-8 bytes. */
export const MAX_ID_BYTES = 1024;

const KIND_WRITE = 1;
const KIND_EXPIRE = 2;

const TAG_OF: Readonly<Record<StoreOp['op'], number>> = {
  put: 1,
  put_unique: 2,
  erase: 3,
  clear: 4,
  add: 5,
  subtract: 6,
  cas: 7,
};
const OP_OF: readonly (StoreOp['op'] | undefined)[] = [
  undefined,
  'put',
  'put_unique',
  'erase',
  'clear',
  'add',
  'subtract',
  'cas',
];

const F_EXPIRY = 1;
const F_INIT = 2;
const F_VALUE = 4;
const F_ERASE = 8;

/** Flags each op may carry. */
const ALLOWED_FLAGS: Readonly<Record<StoreOp['op'], number>> = {
  put: F_EXPIRY,
  put_unique: F_EXPIRY,
  erase: 0,
  clear: 0,
  add: F_EXPIRY | F_INIT,
  subtract: F_EXPIRY,
  cas: F_EXPIRY | F_VALUE | F_ERASE,
};

// TextEncoder would silently turn a lone surrogate into U+FFFD: reject it instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Reused by every encodeCommand (not re-entrant; the result is a copy).
const writer = new ByteWriter(1024);

function fail(message: string, cause?: unknown): never {
  throw new StoreCommandError(message, cause === undefined ? undefined : { cause });
}

/** Any input, shown safely in a message (JSON.stringify throws on a bigint). */
function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'object' && x !== null) return 'an object';
  return String(x);
}

function checkInt64(what: string, x: unknown): bigint {
  if (typeof x !== 'bigint' || x < MIN_INT64 || x > MAX_INT64) {
    fail(`${what} must be a bigint in int64 range, got ${String(x)}`);
  }
  return x;
}

function checkExpiry(where: string, x: unknown): void {
  if (x === undefined) return;
  if (typeof x !== 'bigint' || x <= 0n || x > MAX_INT64) {
    fail(
      `${where}: expiryNs must be a bigint in 1..2^63-1 (omit it for no expiry), got ${String(x)}`
    );
  }
}

function checkId(what: string, s: unknown): string {
  if (typeof s !== 'string') fail(`${what} must be a string, got ${typeof s}`);
  if (LONE_SURROGATE.test(s)) fail(`${what} contains a lone surrogate`);
  const n = Buffer.byteLength(s, 'utf8');
  if (n > MAX_ID_BYTES) fail(`${what} of ${n} bytes exceeds ${MAX_ID_BYTES}`);
  return s;
}

function isKind(x: unknown): x is DataKind {
  return typeof x === 'string' && Object.hasOwn(DataTag, x);
}

/** Checks the parts of an op that the byte layout does not make impossible. */
function checkOp(op: StoreOp, i: number): void {
  if (typeof op !== 'object' || op === null || !Object.hasOwn(TAG_OF, op.op)) {
    const name = typeof op === 'object' && op !== null ? (op as { op?: unknown }).op : op;
    fail(`op ${i}: unknown operation ${describe(name)}`);
  }
  const where = `op ${i} (${op.op})`;
  if (op.op === 'clear') return;
  if (typeof op.key !== 'object' || op.key === null) fail(`${where}: key is missing`);
  switch (op.op) {
    case 'erase':
      return;
    case 'add':
      if (op.initType !== undefined && !isKind(op.initType)) {
        fail(`${where}: initType ${describe(op.initType)} is not a data kind`);
      }
      break;
    case 'cas': {
      const v = op.expectedVersion;
      if (typeof v !== 'bigint' || v < 0n || v > MAX_COUNT) {
        fail(`${where}: expectedVersion must be a bigint in 0..2^64-1, got ${String(v)}`);
      }
      if (op.erase !== undefined && typeof op.erase !== 'boolean') {
        fail(`${where}: erase must be a boolean`);
      }
      const erase = op.erase === true;
      if (erase === (op.value !== undefined)) {
        fail(`${where}: give exactly one of value and erase: true`);
      }
      if (erase && op.expiryNs !== undefined) fail(`${where}: an erasing cas takes no expiryNs`);
      checkExpiry(where, op.expiryNs);
      return;
    }
    default:
      break;
  }
  if (typeof op.value !== 'object' || op.value === null) fail(`${where}: value is missing`);
  checkExpiry(where, op.expiryNs);
}

function writeData(w: ByteWriter, what: string, d: Data): void {
  try {
    w.data(d);
  } catch (e) {
    fail(`${what} is not a valid value: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/**
 * Encodes a command for the log.
 * @throws StoreCommandError naming the field that breaks a rule of the format.
 */
export function encodeCommand(cmd: StoreCommand): Uint8Array {
  if (typeof cmd !== 'object' || cmd === null) fail('a command must be an object');
  const w = writer;
  w.reset();
  w.u8(COMMAND_FORMAT_VERSION);
  if (cmd.kind === 'write') {
    w.u8(KIND_WRITE);
    w.string(checkId('requestId', cmd.requestId));
    w.string(checkId('publisher', cmd.publisher));
    w.i64(checkInt64('nowUnixNs', cmd.nowUnixNs));
    const ops = cmd.ops;
    if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_OPS_PER_COMMAND) {
      fail(
        `a write needs 1..${MAX_OPS_PER_COMMAND} ops, got ${Array.isArray(ops) ? ops.length : typeof ops}`
      );
    }
    w.varuint(ops.length);
    for (let i = 0; i < ops.length; i++) writeOp(w, ops[i] as StoreOp, i);
  } else if (cmd.kind === 'expire') {
    w.u8(KIND_EXPIRE);
    w.i64(checkInt64('nowUnixNs', cmd.nowUnixNs));
    w.string(checkId('publisher', cmd.publisher ?? ''));
    const keys = cmd.keys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_EXPIRE_KEYS) {
      fail(
        `an expire needs 1..${MAX_EXPIRE_KEYS} keys, got ${Array.isArray(keys) ? keys.length : typeof keys}`
      );
    }
    w.varuint(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as ExpiredKey;
      if (typeof k !== 'object' || k === null) fail(`expire key ${i} must be an object`);
      writeData(w, `expire key ${i}`, k.key);
      w.i64(checkInt64(`expire key ${i} expiresAtUnixNs`, k.expiresAtUnixNs));
    }
  } else {
    fail(`unknown command kind ${describe((cmd as { kind?: unknown }).kind)}`);
  }
  return w.finish();
}

function writeOp(w: ByteWriter, op: StoreOp, i: number): void {
  checkOp(op, i);
  w.u8(TAG_OF[op.op]);
  if (op.op === 'clear') {
    w.u8(0);
    return;
  }
  const exp = op.op === 'erase' ? undefined : op.expiryNs;
  let flags = exp !== undefined ? F_EXPIRY : 0;
  if (op.op === 'add' && op.initType !== undefined) flags |= F_INIT;
  if (op.op === 'cas') flags |= op.erase === true ? F_ERASE : F_VALUE;
  w.u8(flags);
  writeData(w, `op ${i} key`, op.key);
  switch (op.op) {
    case 'erase':
      return;
    case 'cas':
      w.u64(op.expectedVersion);
      if (op.value !== undefined) writeData(w, `op ${i} value`, op.value);
      break;
    default:
      writeData(w, `op ${i} value`, op.value);
      if (op.op === 'add' && op.initType !== undefined) w.u8(DataTag[op.initType]);
      break;
  }
  if (exp !== undefined) w.i64(exp);
}

/**
 * Decodes and validates a command from the log.
 * @throws StoreCommandError naming the problem and its byte offset; never anything else.
 */
export function decodeCommand(bytes: Uint8Array): StoreCommand {
  if (!(bytes instanceof Uint8Array)) fail('a command must be a Uint8Array');
  const r = new ByteReader(bytes);
  try {
    const version = r.u8('format version');
    if (version !== COMMAND_FORMAT_VERSION) {
      throw new ByteFormatError(
        `unknown command format version ${version} (this node reads ${COMMAND_FORMAT_VERSION})`,
        0
      );
    }
    const kind = r.u8('command kind');
    let cmd: StoreCommand;
    if (kind === KIND_WRITE) {
      const requestId = r.string('requestId', MAX_ID_BYTES);
      const publisher = r.string('publisher', MAX_ID_BYTES);
      const nowUnixNs = r.i64('nowUnixNs');
      const at = r.pos;
      const n = r.varuint('op count');
      // Every op takes at least 2 bytes: a count beyond that is a lie, caught before looping.
      if (n === 0 || n > MAX_OPS_PER_COMMAND || n * 2 > r.remaining) {
        throw new ByteFormatError(
          `op count ${n} is not in 1..${MAX_OPS_PER_COMMAND} or exceeds the bytes left`,
          at
        );
      }
      const ops: StoreOp[] = new Array<StoreOp>(n);
      for (let i = 0; i < n; i++) ops[i] = readOp(r, i);
      cmd = { kind: 'write', requestId, publisher, nowUnixNs, ops };
    } else if (kind === KIND_EXPIRE) {
      const nowUnixNs = r.i64('nowUnixNs');
      const publisher = r.string('publisher', MAX_ID_BYTES);
      const at = r.pos;
      const n = r.varuint('key count');
      if (n === 0 || n > MAX_EXPIRE_KEYS || n * 10 > r.remaining) {
        throw new ByteFormatError(
          `key count ${n} is not in 1..${MAX_EXPIRE_KEYS} or exceeds the bytes left`,
          at
        );
      }
      const keys: ExpiredKey[] = new Array<ExpiredKey>(n);
      for (let i = 0; i < n; i++) {
        const key = r.data(`expire key ${i}`);
        keys[i] = { key, expiresAtUnixNs: r.i64(`expire key ${i} deadline`) };
      }
      cmd = { kind: 'expire', nowUnixNs, keys, publisher };
    } else {
      throw new ByteFormatError(`unknown command kind ${kind}`, 1);
    }
    if (r.remaining !== 0) {
      throw new ByteFormatError(`${r.remaining} bytes after the command`, r.pos);
    }
    return cmd;
  } catch (e) {
    if (e instanceof StoreCommandError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new StoreCommandError(`bad store command: ${msg}`, { cause: e });
  }
}

function readOp(r: ByteReader, i: number): StoreOp {
  const at = r.pos;
  const tag = r.u8(`op ${i} tag`);
  const name = OP_OF[tag];
  if (name === undefined) throw new ByteFormatError(`op ${i} has unknown tag ${tag}`, at);
  const flags = r.u8(`op ${i} flags`);
  if ((flags & ~ALLOWED_FLAGS[name]) !== 0) {
    throw new ByteFormatError(
      `op ${i} (${name}) has flags 0x${flags.toString(16)} it does not take`,
      at + 1
    );
  }
  if (name === 'clear') return { op: 'clear' };
  const key = r.data(`op ${i} key`);
  if (name === 'erase') return { op: 'erase', key };
  if (name === 'cas') {
    const expectedVersion = r.u64(`op ${i} expectedVersion`);
    const hasValue = (flags & F_VALUE) !== 0;
    const erase = (flags & F_ERASE) !== 0;
    if (hasValue === erase) {
      throw new ByteFormatError(
        `op ${i} (cas) must carry exactly one of a value and erase`,
        at + 1
      );
    }
    if (erase) {
      if ((flags & F_EXPIRY) !== 0) {
        throw new ByteFormatError(`op ${i} (cas) erases and so takes no expiry`, at + 1);
      }
      return { op: 'cas', key, expectedVersion, erase: true };
    }
    const value = r.data(`op ${i} value`);
    const expiryNs = readExpiry(r, flags, i);
    return expiryNs === undefined
      ? { op: 'cas', key, expectedVersion, value }
      : { op: 'cas', key, expectedVersion, value, expiryNs };
  }
  const value = r.data(`op ${i} value`);
  let initType: DataKind | undefined;
  if ((flags & F_INIT) !== 0) {
    const t = r.u8(`op ${i} initType`);
    initType = DATA_KINDS[t];
    if (initType === undefined)
      throw new ByteFormatError(`op ${i} initType ${t} is not a data kind`, r.pos - 1);
  }
  const expiryNs = readExpiry(r, flags, i);
  if (name === 'add') {
    const op: { op: 'add'; key: Data; value: Data; initType?: DataKind; expiryNs?: bigint } = {
      op: 'add',
      key,
      value,
    };
    if (initType !== undefined) op.initType = initType;
    if (expiryNs !== undefined) op.expiryNs = expiryNs;
    return op;
  }
  return expiryNs === undefined ? { op: name, key, value } : { op: name, key, value, expiryNs };
}

function readExpiry(r: ByteReader, flags: number, i: number): bigint | undefined {
  if ((flags & F_EXPIRY) === 0) return undefined;
  const at = r.pos;
  const x = r.i64(`op ${i} expiry`);
  if (x <= 0n) throw new ByteFormatError(`op ${i} expiry ${x} is not positive`, at);
  return x;
}

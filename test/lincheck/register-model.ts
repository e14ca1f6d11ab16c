import type { Model, Operation } from './types.js';

/**
 * A versioned register per key, the shape of the store's key/value API: every successful
 * write gives the key a new version, and compare-and-set compares versions (etcd's
 * mod_revision), not values. Version `'0'` means absent. Versions are opaque strings: the
 * model never predicts one, it only learns them from outputs, so it holds whether the server
 * numbers versions per key or by log index.
 */
export type RegisterInput =
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'write'; readonly key: string; readonly value: string }
  | {
      readonly kind: 'cas';
      readonly key: string;
      /** The version the key must have; `'0'` = the key must be absent. */
      readonly expectedVersion: string;
      readonly value: string;
    };

/**
 * read: the value (`null` when absent) and its version; write: the new version; cas: whether
 * it swapped and the key's version afterwards (the current version when it did not swap).
 */
export type RegisterOutput =
  | { readonly kind: 'read'; readonly value: string | null; readonly version: string }
  | { readonly kind: 'write'; readonly version: string }
  | { readonly kind: 'cas'; readonly swapped: boolean; readonly version: string };

/**
 * The register of one key. Invariant: `value === null` exactly when `version === '0'`.
 * `version === undefined` means a fresh version no output has shown yet: the last write had
 * an unknown outcome. Because every write makes a version never used before, a fresh version
 * differs from every version a client can hold, so a compare-and-set against it cannot swap.
 */
export interface RegisterState {
  readonly value: string | null;
  readonly version: string | undefined;
}

/** Keys to registers (missing = absent); never mutated, a step builds a new one. */
export type RegisterStates = ReadonlyMap<string, RegisterState>;

const ABSENT: RegisterState = { value: null, version: '0' };

function withRegister(states: RegisterStates, key: string, r: RegisterState): RegisterStates {
  const next = new Map(states);
  next.set(key, r);
  return next;
}

/** Whether `version` may be the register's version (learning it if it was fresh). */
function versionMatches(r: RegisterState, version: string): boolean {
  if (r.version !== undefined) return r.version === version;
  return version !== '0';
}

/** The register after a write of `value` whose new version is `version` (undefined: not seen). */
function written(
  r: RegisterState,
  value: string,
  version: string | undefined
): RegisterState | undefined {
  // A write always makes a new version: seeing the old one again is a server bug.
  if (version !== undefined && (version === '0' || version === r.version)) return undefined;
  return { value, version };
}

function step(
  r: RegisterState,
  input: RegisterInput,
  output: RegisterOutput | undefined
): RegisterState | undefined {
  switch (input.kind) {
    case 'read':
      if (output === undefined) return r;
      if (output.kind !== 'read' || output.value !== r.value) return undefined;
      if (!versionMatches(r, output.version)) return undefined;
      return { value: r.value, version: output.version };
    case 'write':
      if (output === undefined) return written(r, input.value, undefined);
      return output.kind === 'write' ? written(r, input.value, output.version) : undefined;
    case 'cas': {
      // A fresh version never equals a version some client holds (see RegisterState).
      const swaps = r.version !== undefined && r.version === input.expectedVersion;
      if (output === undefined) return swaps ? written(r, input.value, undefined) : r;
      if (output.kind !== 'cas' || output.swapped !== swaps) return undefined;
      if (swaps) return written(r, input.value, output.version);
      if (!versionMatches(r, output.version)) return undefined;
      return { value: r.value, version: output.version };
    }
  }
}

function describeOutput(o: RegisterOutput | undefined): string {
  if (o === undefined) return '?';
  switch (o.kind) {
    case 'read':
      return `${JSON.stringify(o.value)}@${o.version}`;
    case 'write':
      return `ok@${o.version}`;
    case 'cas':
      return `${o.swapped ? 'swapped' : 'kept'}@${o.version}`;
  }
}

/**
 * The sequential specification of a store with version compare-and-set, partitioned by key
 * (operations on different keys never constrain each other).
 */
export const registerModel: Model<RegisterStates, RegisterInput, RegisterOutput> = {
  init: () => new Map(),

  step(states, input, output) {
    const r = states.get(input.key) ?? ABSENT;
    const next = step(r, input, output);
    if (next === undefined) return undefined;
    if (next.value === r.value && next.version === r.version) return states;
    return withRegister(states, input.key, next);
  },

  key(states) {
    return JSON.stringify(
      [...states.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([k, r]) => [k, r.value, r.version ?? null])
    );
  },

  partition(history) {
    const byKey = new Map<string, Operation<RegisterInput, RegisterOutput>[]>();
    for (const op of history) {
      let list = byKey.get(op.input.key);
      if (list === undefined) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    return [...byKey.values()];
  },

  describe(op) {
    const i = op.input;
    const args =
      i.kind === 'read'
        ? i.key
        : i.kind === 'cas'
          ? `${i.key}, @${i.expectedVersion} -> ${JSON.stringify(i.value)}`
          : `${i.key}, ${JSON.stringify(i.value)}`;
    const end = op.return === Infinity ? 'inf' : String(op.return);
    return `c${op.client} [${op.call}, ${end}] ${i.kind}(${args}) => ${describeOutput(op.output)}`;
  },
};

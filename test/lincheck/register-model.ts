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

/**
 * Drops unknown-outcome writes that nothing observed, which keeps the search from trying
 * every place such a write could have landed (each open one doubles the states to explore).
 * A write is unobserved when no read returned its value and no answer after its call reported
 * a version that no known write invoked before that answer accounts for (a failed
 * compare-and-set reports the current version, which may be the unknown write's). Sound under the store's contract
 * that every write makes a version of its own: had such a write taken effect, every state
 * until the next put replaced it holds its value (never read) and its version (never reported,
 * and no client holds it, so no swap), so the same order without it explains every answer;
 * and a history without it that is linearizable stays so with it placed at the very end.
 * So pruning never hides a violation; where the answers themselves break that contract (a
 * version reported again after another write took it) it can find one the model alone, which
 * lets a fresh version take any number, would let pass - a server bug either way.
 */
function withoutUnobservedUnknownWrites(
  ops: Operation<RegisterInput, RegisterOutput>[]
): Operation<RegisterInput, RegisterOutput>[] {
  if (!ops.some((op) => op.return === Infinity)) return ops;
  const valuesRead = new Set<string>();
  const writerCall = new Map<string, number>();
  for (const op of ops) {
    if (op.input.kind !== 'read') {
      const c = writerCall.get(op.input.value);
      writerCall.set(op.input.value, c === undefined ? op.call : Math.min(c, op.call));
    }
    if (op.output?.kind === 'read' && op.output.value !== null) valuesRead.add(op.output.value);
  }
  // version -> the earliest call of a known write that has it: an acknowledged write that
  // answered with it, or the write of a value read at it.
  const accountedFrom = new Map<string, number>();
  const account = (version: string, call: number | undefined): void => {
    if (call === undefined) return;
    const c = accountedFrom.get(version);
    accountedFrom.set(version, c === undefined ? call : Math.min(c, call));
  };
  for (const op of ops) {
    const o = op.output;
    if (o === undefined) continue;
    if (o.kind === 'read') {
      if (o.value !== null) account(o.version, writerCall.get(o.value));
    } else if (o.kind === 'write' || o.swapped) {
      account(o.version, op.call);
    }
  }
  // When the last answer came back that reported a version no known write invoked before it
  // accounts for (touching intervals are concurrent, hence >= below).
  let lastUnaccounted = -Infinity;
  for (const op of ops) {
    const o = op.output;
    if (o === undefined || o.version === '0') continue;
    if (!((accountedFrom.get(o.version) ?? Infinity) <= op.return)) {
      lastUnaccounted = Math.max(lastUnaccounted, op.return);
    }
  }
  return ops.filter(
    (op) =>
      op.return !== Infinity ||
      op.input.kind === 'read' ||
      valuesRead.has(op.input.value) ||
      lastUnaccounted >= op.call
  );
}

/**
 * The version contract that the model (and its pruning) relies on, checked over the answers
 * of a history: a version names one value and a value has one version, per key (with values
 * unique per write, two values at one version mean two writes shared it); a key is absent
 * exactly at version '0'. Returns what contradicts it, empty when nothing does.
 */
export function versionContractViolations(
  history: readonly Operation<RegisterInput, RegisterOutput>[]
): string[] {
  const problems: string[] = [];
  const valueOf = new Map<string, string>();
  const versionOf = new Map<string, string>();
  for (const op of history) {
    const o = op.output;
    if (o === undefined) continue;
    const key = op.input.key;
    let value: string | null;
    if (o.kind === 'read') value = o.value;
    else if (o.kind === 'write' || o.swapped) value = (op.input as { value: string }).value;
    else continue;
    const where = registerModel.describe!(op);
    if ((value === null) !== (o.version === '0')) {
      problems.push(`${key}: value ${JSON.stringify(value)} at version ${o.version}: ${where}`);
      continue;
    }
    if (value === null) continue;
    const v = valueOf.get(`${key}\u0000${o.version}`);
    if (v !== undefined && v !== value) {
      problems.push(
        `${key}: version ${o.version} names both ${JSON.stringify(v)} and ${JSON.stringify(value)}: ${where}`
      );
    }
    valueOf.set(`${key}\u0000${o.version}`, value);
    const w = versionOf.get(`${key}\u0000${value}`);
    if (w !== undefined && w !== o.version) {
      problems.push(
        `${key}: value ${JSON.stringify(value)} seen at versions ${w} and ${o.version}: ${where}`
      );
    }
    versionOf.set(`${key}\u0000${value}`, o.version);
  }
  return problems;
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
 * (operations on different keys never constrain each other), each part without the unknown
 * writes nothing observed (see withoutUnobservedUnknownWrites).
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
    return [...byKey.values()].map(withoutUnobservedUnknownWrites);
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

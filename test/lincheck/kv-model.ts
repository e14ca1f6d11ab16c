import type { Model, Operation } from './types.js';

/**
 * Inputs of the key/value register model, the operations the simulation's state machine
 * offers. A missing key reads as `null`; `append` to a missing key starts from ''.
 */
export type KvInput =
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'append'; readonly key: string; readonly value: string }
  | {
      readonly kind: 'cas';
      readonly key: string;
      readonly expected: string | null;
      readonly value: string;
    };

/** get: the value read; cas: whether it swapped; put/append: nothing. */
export type KvOutput =
  | { readonly kind: 'get'; readonly value: string | null }
  | { readonly kind: 'cas'; readonly ok: boolean }
  | { readonly kind: 'done' };

/** Keys to values; never mutated, a step builds a new one. */
export type KvState = ReadonlyMap<string, string>;

function withValue(state: KvState, key: string, value: string): KvState {
  const next = new Map(state);
  next.set(key, value);
  return next;
}

/**
 * Drops unknown-outcome writes whose value no read ever saw, which keeps the search from
 * trying every place such a write could have landed. Sound for a key without compare-and-set:
 * if such a write took effect, every state after it contains its value until a put replaces
 * it, so no read happened in that window, and the same order without the write explains every
 * read as well. A failed or unknown compare-and-set could tell the states apart, so keys with
 * any compare-and-set are left alone.
 */
function withoutUnobservedUnknownWrites(
  ops: Operation<KvInput, KvOutput>[]
): Operation<KvInput, KvOutput>[] {
  if (ops.some((op) => op.input.kind === 'cas')) return ops;
  const seen: string[] = [];
  for (const op of ops) {
    if (op.output?.kind === 'get' && op.output.value !== null) seen.push(op.output.value);
  }
  return ops.filter((op) => {
    if (op.return !== Infinity || op.input.kind === 'get') return true;
    const written = op.input.value;
    return seen.some((v) => v.includes(written));
  });
}

/**
 * The sequential specification of the store. Partitioned by key: operations on different
 * keys never constrain each other, so each key's sub-history is checked on its own.
 */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => new Map(),

  step(state, input, output) {
    const current = state.get(input.key) ?? null;
    switch (input.kind) {
      case 'get':
        if (output === undefined) return state;
        return output.kind === 'get' && output.value === current ? state : undefined;
      case 'put':
        return output === undefined || output.kind === 'done'
          ? withValue(state, input.key, input.value)
          : undefined;
      case 'append':
        return output === undefined || output.kind === 'done'
          ? withValue(state, input.key, (current ?? '') + input.value)
          : undefined;
      case 'cas': {
        // An unknown outcome is still determined by the state it is applied in.
        const swaps = current === input.expected;
        if (output !== undefined && (output.kind !== 'cas' || output.ok !== swaps))
          return undefined;
        return swaps ? withValue(state, input.key, input.value) : state;
      }
    }
  },

  key(state) {
    return JSON.stringify(
      [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    );
  },

  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
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
      i.kind === 'get'
        ? i.key
        : i.kind === 'cas'
          ? `${i.key}, ${JSON.stringify(i.expected)} -> ${JSON.stringify(i.value)}`
          : `${i.key}, ${JSON.stringify(i.value)}`;
    const out =
      op.output === undefined
        ? '?'
        : op.output.kind === 'get'
          ? JSON.stringify(op.output.value)
          : op.output.kind === 'cas'
            ? String(op.output.ok)
            : 'ok';
    const end = op.return === Infinity ? 'inf' : String(op.return);
    return `c${op.client} [${op.call}, ${end}] ${i.kind}(${args}) => ${out}`;
  },
};

import { Bitset } from './bitset.js';
import { InvalidHistoryError } from './errors.js';
import type {
  CheckOptions,
  CheckResult,
  Model,
  Operation,
  PartitionResult,
  Verdict,
} from './types.js';

/**
 * Wing & Gong's search with Lowe's memoisation, as described for porcupine: walk a time-ordered
 * list of call and return events; at a call, tentatively linearize the operation (lift it and
 * its return out of the list) if the model accepts it and the pair (set of linearized
 * operations, model state) has not been explored before; reaching a return means the
 * operation it closes cannot be placed any later, so undo the last choice. An empty list means
 * every operation found a place.
 */

interface ListNode {
  /** Operation index inside the part; -1 for the sentinel head. */
  readonly id: number;
  readonly isCall: boolean;
  readonly time: number;
  /** For a call: its return node. */
  match: ListNode | null;
  prev: ListNode | null;
  next: ListNode | null;
}

interface Frame<S> {
  readonly node: ListNode;
  readonly state: S;
}

class Budget {
  spent = 0;
  private readonly deadline: number;

  constructor(
    private readonly maxSteps: number,
    timeoutMs: number | undefined
  ) {
    this.deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  }

  /** Spends one step; false once the budget is gone. */
  take(): boolean {
    this.spent++;
    if (this.spent > this.maxSteps) return false;
    if ((this.spent & 1023) === 0 && Date.now() > this.deadline) return false;
    return true;
  }
}

function validate<I, O>(history: readonly Operation<I, O>[]): void {
  history.forEach((op, i) => {
    if (!Number.isFinite(op.call)) {
      throw new InvalidHistoryError(`operation ${i}: call time ${op.call} is not finite`);
    }
    if (!(op.return > op.call)) {
      throw new InvalidHistoryError(
        `operation ${i}: return time ${op.return} is not after call time ${op.call}`
      );
    }
    if (op.return === Infinity && op.output !== undefined) {
      throw new InvalidHistoryError(
        `operation ${i}: unknown outcome (return=Infinity) but has an output`
      );
    }
  });
}

function buildList<I, O>(ops: readonly Operation<I, O>[]): ListNode {
  const events: ListNode[] = [];
  ops.forEach((op, id) => {
    const ret: ListNode = {
      id,
      isCall: false,
      time: op.return,
      match: null,
      prev: null,
      next: null,
    };
    const call: ListNode = { id, isCall: true, time: op.call, match: ret, prev: null, next: null };
    events.push(call, ret);
  });
  // Calls before returns at equal times: touching intervals count as concurrent.
  events.sort(
    (a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1)
  );
  const head: ListNode = {
    id: -1,
    isCall: false,
    time: -Infinity,
    match: null,
    prev: null,
    next: null,
  };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

function unlink(n: ListNode): void {
  n.prev!.next = n.next;
  if (n.next) n.next.prev = n.prev;
}

function relink(n: ListNode): void {
  n.prev!.next = n;
  if (n.next) n.next.prev = n;
}

function lift(call: ListNode): void {
  unlink(call);
  unlink(call.match!);
}

/** Exact inverse of `lift` (order matters: the return may be the call's neighbour). */
function unlift(call: ListNode): void {
  relink(call.match!);
  relink(call);
}

function checkPart<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: Budget
): PartitionResult<I, O> {
  const start = budget.spent;
  const head = buildList(ops);
  const linearized = new Bitset(ops.length);
  const seen = new Set<string>();
  const stack: Frame<S>[] = [];
  let state = model.init();
  let longest: number[] = [];
  let node: ListNode | null = head.next;
  let verdict: Verdict = 'ok';

  while (head.next !== null) {
    if (!budget.take()) {
      verdict = 'unknown';
      break;
    }
    if (node === null) {
      // Unreachable for a valid list: every call is followed by its own return.
      throw new InvalidHistoryError('event list ended on a call');
    }
    if (node.isCall) {
      const op = ops[node.id]!;
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        linearized.set(node.id);
        const key = `${linearized.key()}\u0000${model.key(next)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ node, state });
          if (stack.length > longest.length) longest = stack.map((f) => f.node.id);
          state = next;
          lift(node);
          node = head.next;
          continue;
        }
        linearized.clear(node.id);
      }
      node = node.next;
    } else {
      const top = stack.pop();
      if (top === undefined) {
        verdict = 'illegal';
        break;
      }
      state = top.state;
      linearized.clear(top.node.id);
      unlift(top.node);
      node = top.node.next;
    }
  }
  return {
    verdict,
    operations: ops,
    longestLinearized: longest.map((i) => ops[i]!),
    steps: budget.spent - start,
  };
}

/**
 * Decides whether `history` is linearizable with respect to `model`. Parts given by
 * `model.partition` are checked one after another against one shared budget; the search
 * stops at the first illegal part.
 */
export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {}
): CheckResult<I, O> {
  validate(history);
  const budget = new Budget(options.maxSteps ?? 2_000_000, options.timeoutMs);
  const parts = model.partition ? model.partition(history) : [history.slice()];
  const results: PartitionResult<I, O>[] = [];
  let verdict: Verdict = 'ok';
  for (const part of parts) {
    const r = checkPart(model, part, budget);
    results.push(r);
    if (r.verdict === 'illegal') {
      verdict = 'illegal';
      break;
    }
    if (r.verdict === 'unknown') verdict = 'unknown';
  }
  return { verdict, partitions: results };
}

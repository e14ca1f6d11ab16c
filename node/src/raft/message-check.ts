import { StepError } from './errors.js';
import { EntryType, MessageType, type Message } from './types.js';

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(MessageType));

function nat(v: number): boolean {
  // Integers up to 2^53 (indexes and terms are plain numbers, see types.ts).
  return Number.isSafeInteger(v) && v >= 0;
}

/**
 * Structural checks on a message from the network, beyond what the wire decoder guarantees:
 * the fields the protocol relies on are non-negative integers, and the entries of an append
 * are contiguous after `index`, of known types, and not from a term later than the message.
 * A message failing these would corrupt the log; it is refused with StepError instead.
 */
export function checkPeerMessage(m: Message): void {
  if (!KNOWN_TYPES.has(m.type)) throw new StepError(`unknown message type ${String(m.type)}`);
  if (!nat(m.term) || !nat(m.logTerm) || !nat(m.index) || !nat(m.commit) || !nat(m.rejectHint)) {
    throw new StepError(
      'message term/logTerm/index/commit/rejectHint must be non-negative integers'
    );
  }
  if (!Array.isArray(m.entries)) throw new StepError('message entries is not a list');
  let prev = m.index;
  let prevTerm = m.logTerm;
  for (const e of m.entries) {
    if (!nat(e.index) || !nat(e.term)) throw new StepError('entry with a bad index or term');
    if (e.type !== EntryType.Normal && e.type !== EntryType.ConfChange) {
      throw new StepError(`entry ${e.index} has unknown type ${String(e.type)}`);
    }
    if (!(e.data instanceof Uint8Array)) throw new StepError(`entry ${e.index} data is not bytes`);
    if (m.type === MessageType.Append) {
      if (e.term < 1) throw new StepError(`append entry ${e.index} has no term`);
      if (e.index !== prev + 1) throw new StepError(`append entries not contiguous after ${prev}`);
      if (e.term < prevTerm || e.term > m.term) {
        throw new StepError(`append entry ${e.index} has term ${e.term} out of order`);
      }
    }
    prev = e.index;
    prevTerm = e.term;
  }
  if (m.type === MessageType.Snapshot) {
    const s = m.snapshot;
    if (!s || !nat(s.meta.index) || s.meta.index < 1 || !nat(s.meta.term) || s.meta.term > m.term) {
      throw new StepError('snapshot message without a valid snapshot');
    }
    const cs = s.meta.confState;
    for (const list of [cs.voters, cs.votersOutgoing, cs.learners, cs.learnersNext]) {
      if (!Array.isArray(list) || list.some((id) => typeof id !== 'string' || id === '')) {
        throw new StepError('snapshot confState has a bad member list');
      }
    }
  }
}

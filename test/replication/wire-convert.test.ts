import { describe, expect, it } from '@jest/globals';
import type { RaftMessage__Output } from '../../node/src/gen/broker/v1/RaftMessage.js';
import { MessageType, type Message } from '../../node/src/raft/types.js';
import { WireFormatError } from '../../node/src/replication/errors.js';
import {
  confStateFromWire,
  messageFromWire,
  messageToWire,
  snapshotMetaFromWire,
  wireUint,
} from '../../node/src/replication/wire-convert.js';

function wire(over: Partial<RaftMessage__Output> = {}): RaftMessage__Output {
  return {
    group: 'g',
    type: 'RAFT_MESSAGE_TYPE_APPEND',
    from: 'a',
    to: 'b',
    term: '3',
    log_term: '2',
    index: '10',
    entries: [
      { term: '3', index: '11', type: 'RAFT_ENTRY_TYPE_NORMAL', data: Buffer.from('x') },
      { term: '3', index: '12', type: 'RAFT_ENTRY_TYPE_CONF_CHANGE', data: Buffer.from('{}') },
    ],
    commit: '9',
    reject: false,
    reject_hint: '0',
    snapshot: null,
    context: Buffer.alloc(0),
    ...over,
  };
}

describe('wire conversion of raft messages', () => {
  it('converts a wire message with every field, and back', () => {
    const m = messageFromWire(wire(), 100);
    expect(m).toMatchObject({
      group: 'g',
      type: MessageType.Append,
      from: 'a',
      to: 'b',
      term: 3,
      logTerm: 2,
      index: 10,
      commit: 9,
      reject: false,
      rejectHint: 0,
    });
    expect(m.entries.map((e) => [e.index, e.term, e.type])).toEqual([
      [11, 3, 0],
      [12, 3, 1],
    ]);
    expect(m.context).toBeUndefined();
    const back = messageToWire(m as Message);
    expect(back.type).toBe(MessageType.Append);
    expect(back.entries?.length).toBe(2);
  });

  it('refuses numbers beyond 2^53, negatives and non-numbers, naming the field', () => {
    expect(() => messageFromWire(wire({ index: '9007199254740993' }), 100)).toThrow(/index/);
    expect(() => messageFromWire(wire({ commit: '18446744073709551615' }), 100)).toThrow(/commit/);
    expect(() => wireUint('-1', 'term')).toThrow(WireFormatError);
    expect(() => wireUint('1e3', 'term')).toThrow(WireFormatError);
    expect(() => wireUint(1.5, 'term')).toThrow(WireFormatError);
    expect(wireUint('9007199254740991', 'term')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses unknown types, snapshots on the raft stream, too many entries and oversized ids', () => {
    expect(() => messageFromWire(wire({ type: 'X' as RaftMessage__Output['type'] }), 100)).toThrow(
      /unknown message type/
    );
    expect(() => messageFromWire(wire({ type: 'RAFT_MESSAGE_TYPE_SNAPSHOT' }), 100)).toThrow(
      /not accepted/
    );
    expect(() => messageFromWire(wire(), 1)).toThrow(/2 entries/);
    expect(() => messageFromWire(wire({ group: 'g'.repeat(257) }), 100)).toThrow(/group/);
    expect(() => messageFromWire(wire({ from: '' }), 100)).toThrow(/from is empty/);
    expect(() => messageFromWire(wire({ context: Buffer.alloc(2000) }), 100)).toThrow(/context/);
    const badEntry = wire({
      entries: [
        { term: '1', index: '1', type: 'NOPE' as 'RAFT_ENTRY_TYPE_NORMAL', data: Buffer.alloc(0) },
      ],
    });
    expect(() => messageFromWire(badEntry, 100)).toThrow(/unknown type/);
  });

  it('snapshot metadata needs an index of at least 1 and a well-formed membership', () => {
    const cs = {
      voters: ['a'],
      voters_outgoing: [],
      learners: [],
      learners_next: [],
      auto_leave: false,
    };
    expect(snapshotMetaFromWire({ index: '5', term: '2', conf_state: cs }).index).toBe(5);
    expect(() => snapshotMetaFromWire({ index: '0', term: '2', conf_state: cs })).toThrow(
      /at least 1/
    );
    expect(() => snapshotMetaFromWire({ index: '5', term: '2', conf_state: null })).toThrow(
      /conf_state/
    );
    expect(() => confStateFromWire({ ...cs, voters: [''] })).toThrow(/voters\[0\]/);
  });
});

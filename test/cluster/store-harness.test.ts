import { describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { checkLinearizable, registerModel } from '../lincheck/index.js';
import { Prng } from '../sim/prng.js';
import { describeExecuted, FAULT_KINDS, planSchedule } from './support/nemesis.js';
import {
  checkAcknowledgedWrites,
  HistoryRecorder,
  historyStats,
  okWithin,
  toLincheck,
} from './support/store-history.js';
import { describeError, OUTCOME_TRAILER, writeOutcome } from './support/store-ops.js';

// The pure parts of the Jepsen-style store test: recording, conversion for lincheck, the
// end-of-run checks, the fault schedule and how a failed call's outcome is read. No processes.

/** A recorder on a hand-moved clock; every reading also moves it a little, so no two touch. */
function recorder(): { rec: HistoryRecorder; tick: (t: number) => void } {
  let now = 0;
  return {
    rec: new HistoryRecorder(() => (now += 0.001)),
    tick: (t) => (now = t),
  };
}

describe('store history - recording', () => {
  it('records invoke and completion times and outcomes, and refuses a second completion', () => {
    const { rec, tick } = recorder();
    tick(10);
    const w = rec.invoke(0, 'a', { kind: 'write', key: 's/k', value: 'v1' });
    tick(12);
    rec.ok(w, { kind: 'write', version: '1' });
    expect(w).toMatchObject({ id: 0, outcome: 'ok', peer: 'a' });
    expect([w.call, w.return]).toEqual([10.001, 12.001]);
    expect(() => rec.failed(w, 'again')).toThrow(/completed twice/);
  });

  it('gives a worker a new process after an unknown outcome, as Jepsen does', () => {
    const { rec, tick } = recorder();
    const a = rec.invoke(0, 'a', { kind: 'write', key: 's/k', value: 'v1' });
    tick(1);
    rec.unknown(a, 'DEADLINE_EXCEEDED');
    const b = rec.invoke(0, 'b', { kind: 'read', key: 's/k' });
    const c = rec.invoke(1, 'c', { kind: 'read', key: 's/k' });
    expect(b.process).not.toBe(a.process);
    expect(c.process).not.toBe(b.process);
    tick(2);
    rec.failed(b, 'UNAVAILABLE not-applied');
    const d = rec.invoke(0, 'a', { kind: 'read', key: 's/k' });
    expect(d.process).toBe(b.process);
  });

  it('keeps return after call on a clock that did not move', () => {
    const rec = new HistoryRecorder(() => 7);
    const op = rec.invoke(0, 'a', { kind: 'read', key: 's/k' });
    rec.ok(op, { kind: 'read', value: null, version: '0' });
    expect(op.return!).toBeGreaterThan(op.call);
  });
});

describe('store history - conversion for lincheck', () => {
  it('keeps ok operations, makes unknown and in-flight writes open-ended, drops what had no effect', () => {
    const { rec, tick } = recorder();
    const ok = rec.invoke(0, 'a', { kind: 'write', key: 's/k', value: 'v1' });
    const lost = rec.invoke(1, 'b', { kind: 'write', key: 's/k', value: 'v2' });
    const refused = rec.invoke(2, 'c', { kind: 'write', key: 's/k', value: 'v3' });
    const readFailed = rec.invoke(3, 'd', { kind: 'read', key: 's/k' });
    const readUnknown = rec.invoke(4, 'e', { kind: 'read', key: 's/k' });
    const inFlight = rec.invoke(5, 'a', {
      kind: 'cas',
      key: 's/k',
      expectedVersion: '1',
      value: 'v4',
    });
    tick(5);
    rec.ok(ok, { kind: 'write', version: '1' });
    rec.unknown(lost, 'DEADLINE_EXCEEDED');
    rec.failed(refused, 'UNAVAILABLE not-applied');
    rec.failed(readFailed, 'UNAVAILABLE');
    rec.unknown(readUnknown, 'DEADLINE_EXCEEDED');
    const h = toLincheck(rec.ops);
    expect(h.map((o) => [o.input.kind, o.return, o.output?.kind])).toEqual([
      ['write', ok.return, 'write'],
      ['write', Infinity, undefined],
      ['cas', Infinity, undefined],
    ]);
    expect(h[2]!.call).toBe(inFlight.call);
  });

  it('a recorded lost update is found illegal by the register model', () => {
    const { rec, tick } = recorder();
    const w1 = rec.invoke(0, 'a', { kind: 'write', key: 's/k', value: 'v1' });
    tick(1);
    rec.ok(w1, { kind: 'write', version: '1' });
    const w2 = rec.invoke(0, 'b', { kind: 'write', key: 's/k', value: 'v2' });
    tick(2);
    rec.ok(w2, { kind: 'write', version: '2' });
    const r = rec.invoke(1, 'c', { kind: 'read', key: 's/k' });
    tick(3);
    rec.ok(r, { kind: 'read', value: 'v1', version: '1' });
    expect(checkLinearizable(registerModel, toLincheck(rec.ops)).verdict).toBe('illegal');
  });
});

describe('store history - acknowledged writes at the end', () => {
  function history(): HistoryRecorder {
    const { rec, tick } = recorder();
    const w1 = rec.invoke(0, 'a', { kind: 'write', key: 's/k', value: 'v1' });
    tick(1);
    rec.ok(w1, { kind: 'write', version: '1' });
    const w2 = rec.invoke(0, 'a', { kind: 'cas', key: 's/k', expectedVersion: '1', value: 'v2' });
    tick(2);
    rec.ok(w2, { kind: 'cas', swapped: true, version: '2' });
    const w3 = rec.invoke(1, 'b', { kind: 'write', key: 's/k', value: 'v3' });
    tick(3);
    rec.unknown(w3, 'DEADLINE_EXCEEDED');
    const kept = rec.invoke(2, 'c', { kind: 'cas', key: 's/k', expectedVersion: '9', value: 'v4' });
    tick(4);
    rec.ok(kept, { kind: 'cas', swapped: false, version: '2' });
    const refused = rec.invoke(2, 'c', { kind: 'write', key: 's/k', value: 'v5' });
    tick(5);
    rec.failed(refused, 'UNAVAILABLE not-applied');
    return rec;
  }

  it('accepts the last acknowledged value or a later, possibly applied one', () => {
    const ops = history().ops;
    expect(checkAcknowledgedWrites(ops, new Map([['s/k', 'v2']]))).toEqual([]);
    expect(checkAcknowledgedWrites(ops, new Map([['s/k', 'v3']]))).toEqual([]);
  });

  it('reports a lost write, a value nobody wrote, an absent key and a missing final read', () => {
    const ops = history().ops;
    expect(checkAcknowledgedWrites(ops, new Map([['s/k', 'v1']]))[0]).toMatch(
      /acknowledged write op 1 \("v2"\) is lost/
    );
    expect(checkAcknowledgedWrites(ops, new Map([['s/k', 'v5']]))[0]).toMatch(/never written/);
    expect(checkAcknowledgedWrites(ops, new Map([['s/k', 'v4']]))[0]).toMatch(/never written/);
    expect(checkAcknowledgedWrites(ops, new Map([['s/k', null]]))[0]).toMatch(/absent at the end/);
    expect(checkAcknowledgedWrites(ops, new Map())[0]).toMatch(/no final read/);
  });
});

describe('store history - counts', () => {
  it('counts outcomes, kinds, swaps, errors, and ok operations inside fault windows', () => {
    const { rec, tick } = recorder();
    const a = rec.invoke(0, 'a', { kind: 'read', key: 's/k' });
    tick(2);
    rec.ok(a, { kind: 'read', value: null, version: '0' });
    const b = rec.invoke(0, 'a', { kind: 'cas', key: 's/k', expectedVersion: '0', value: 'v1' });
    tick(4);
    rec.ok(b, { kind: 'cas', swapped: true, version: '3' });
    const c = rec.invoke(0, 'a', { kind: 'write', key: 's/k', value: 'v2' });
    tick(6);
    rec.unknown(c, 'DEADLINE_EXCEEDED');
    const d = rec.invoke(1, 'b', { kind: 'write', key: 's/k', value: 'v3' });
    rec.failed(d, 'UNAVAILABLE not-applied');
    const s = historyStats(rec.ops);
    expect(s).toMatchObject({ total: 4, ok: 2, failed: 1, unknown: 1, swaps: 1 });
    expect(s.okByKind).toEqual({ read: 1, write: 0, cas: 1 });
    expect(s.errors).toHaveLength(2);
    expect(okWithin(rec.ops, [[1, 5]])).toBe(1);
    expect(okWithin(rec.ops, [[0, 10]])).toBe(2);
  });
});

describe('nemesis - schedule', () => {
  it('plans every kind of fault once per round, in a seeded order, with holds in range', () => {
    const a = planSchedule(new Prng(42), 3, [2_000, 3_500]);
    expect(a).toHaveLength(3 * FAULT_KINDS.length);
    for (let r = 0; r < 3; r++) {
      const round = a.slice(r * FAULT_KINDS.length, (r + 1) * FAULT_KINDS.length);
      expect(round.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
    }
    for (const f of a) {
      expect(f.holdMs).toBeGreaterThanOrEqual(2_000);
      expect(f.holdMs).toBeLessThanOrEqual(3_500);
      expect(f.pick).toBeGreaterThanOrEqual(0);
      expect(f.pick).toBeLessThan(1);
    }
    expect(planSchedule(new Prng(42), 3, [2_000, 3_500])).toEqual(a);
    expect(planSchedule(new Prng(43), 3, [2_000, 3_500])).not.toEqual(a);
  });

  it('describes what was executed relative to the start of the run', () => {
    const text = describeExecuted(
      [{ kind: 'wipe', targets: ['c'], notes: ['leader a'], start: 1_500, healed: 9_000 }],
      500
    );
    expect(text).toBe('1. wipe on c at +1.0 s, healthy at +8.5 s (leader a)');
  });
});

describe('store ops - outcome of a failed write', () => {
  const failure = (code: grpc.status, outcome?: string): grpc.ServiceError => {
    const metadata = new grpc.Metadata();
    if (outcome !== undefined) metadata.set(OUTCOME_TRAILER, outcome);
    return Object.assign(new Error('x'), { code, details: 'x', metadata });
  };

  it('is certainly-not-applied only when the server says so', () => {
    expect(writeOutcome(failure(grpc.status.UNAVAILABLE, 'not-applied'))).toBe('failed');
    expect(writeOutcome(failure(grpc.status.UNAVAILABLE, 'unknown'))).toBe('unknown');
    expect(writeOutcome(failure(grpc.status.DEADLINE_EXCEEDED))).toBe('unknown');
    expect(writeOutcome(failure(grpc.status.UNAVAILABLE))).toBe('unknown');
    expect(writeOutcome(new Error('socket hang up'))).toBe('unknown');
  });

  it('names the status and the trailer', () => {
    expect(describeError(failure(grpc.status.UNAVAILABLE, 'not-applied'))).toBe(
      'UNAVAILABLE not-applied'
    );
    expect(describeError(failure(grpc.status.DEADLINE_EXCEEDED))).toBe('DEADLINE_EXCEEDED');
    expect(describeError(new Error('boom'))).toBe('Error: boom');
  });
});

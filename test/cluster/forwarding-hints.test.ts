/**
 * The forwarding loop's rules (node/src/cluster/leader-forwarder.ts) on scripted answers:
 * which refusals are retried, that hints are followed, that it stops. The receivers' refusals
 * are built the way the services build them (ClusterRequestError through toGrpcError), so the
 * trailers are the real ones. The multi-process proof is forwarding.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { ClusterRequestError, toGrpcError } from '../../node/src/cluster/errors.js';
import {
  LeaderForwarder,
  MAX_ATTEMPTS,
  retryVerdict,
} from '../../node/src/cluster/leader-forwarder.js';

const refusal = (hint?: string): Error =>
  toGrpcError(
    new ClusterRequestError(
      grpc.status.UNAVAILABLE,
      'this peer is not the leader',
      'not-applied',
      hint === undefined ? undefined : { leaderHint: hint }
    )
  );

/** A call that broke after it was sent: no trailer, so its outcome is unknown. */
const dropped = (): Error =>
  Object.assign(new Error('Connection dropped'), {
    code: grpc.status.UNAVAILABLE,
    details: 'Connection dropped',
    metadata: new grpc.Metadata(),
  });

/** Answers per member address, one script entry per call (the last one repeats). */
function scripted(script: Record<string, (Error | string)[]>): {
  send: (address: string) => Promise<string>;
  calls: string[];
} {
  const calls: string[] = [];
  const used = new Map<string, number>();
  return {
    calls,
    send: (address) => {
      calls.push(address);
      const list = script[address] ?? [refusal()];
      const i = used.get(address) ?? 0;
      used.set(address, i + 1);
      const a = list[Math.min(i, list.length - 1)]!;
      return typeof a === 'string' ? Promise.resolve(a) : Promise.reject(a);
    },
  };
}

const request = (
  send: (address: string) => Promise<string>,
  over: { candidates?: (string | undefined)[]; idempotent?: boolean; timeoutMs?: number } = {}
) => ({
  group: 's-x-1',
  what: 'store x',
  // A peer without a replica: no local leader, then the map's preferred leader and replicas.
  candidates: () => over.candidates ?? [undefined, 'b', 'c', 'd'],
  addressOf: (id: string) => id,
  send,
  timeoutMs: over.timeoutMs ?? 3_000,
  idempotent: over.idempotent ?? false,
  learnLeader: true,
});

describe('forwarding - retry verdicts', () => {
  test('a refusal with the not-applied trailer is retried and its hint read', () => {
    expect(retryVerdict(refusal('c'), false)).toEqual({
      retry: true,
      outcome: 'not-applied',
      hint: 'c',
    });
  });

  test('a write whose call broke after sending is not retried; a read is', () => {
    expect(retryVerdict(dropped(), false)).toMatchObject({ retry: false, outcome: 'unknown' });
    expect(retryVerdict(dropped(), true)).toMatchObject({ retry: true });
  });

  test('a connection never established changed nothing', () => {
    const e = Object.assign(new Error('x'), {
      code: grpc.status.UNAVAILABLE,
      details: 'No connection established. Last error: connect ECONNREFUSED',
      metadata: new grpc.Metadata(),
    });
    expect(retryVerdict(e, false)).toMatchObject({ retry: true, outcome: 'not-applied' });
  });

  test('any other code is the answer, not a reason to go elsewhere', () => {
    const e = toGrpcError(new ClusterRequestError(grpc.status.INVALID_ARGUMENT, 'bad key'));
    expect(retryVerdict(e, true).retry).toBe(false);
    const t = toGrpcError(
      new ClusterRequestError(grpc.status.DEADLINE_EXCEEDED, 'timed out', 'unknown')
    );
    expect(retryVerdict(t, false).retry).toBe(false);
  });
});

describe('forwarding - the loop', () => {
  test('a follower names the leader: the write goes there and the leader is remembered', async () => {
    const f = new LeaderForwarder('a');
    const s = scripted({ b: [refusal('d')], d: ['ok-from-d'] });
    await expect(f.forward(request(s.send))).resolves.toBe('ok-from-d');
    expect(s.calls).toEqual(['b', 'd']);
    expect(f.learnedLeader('s-x-1')).toBe('d');
    // The next request goes to the learned leader first.
    const s2 = scripted({ d: ['again'] });
    await expect(f.forward(request(s2.send))).resolves.toBe('again');
    expect(s2.calls).toEqual(['d']);
  });

  test('no hint: the candidates are tried in turn until one serves', async () => {
    const f = new LeaderForwarder('a');
    const s = scripted({ b: [refusal()], c: [refusal()], d: ['ok'] });
    await expect(f.forward(request(s.send))).resolves.toBe('ok');
    expect(s.calls).toEqual(['b', 'c', 'd']);
  });

  test('a write whose outcome is unknown is never sent twice', async () => {
    const f = new LeaderForwarder('a');
    const s = scripted({ b: [dropped()], c: ['ok'] });
    const err = await f.forward(request(s.send)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRequestError);
    expect((err as ClusterRequestError).outcome).toBe('unknown');
    expect(s.calls).toEqual(['b']);
  });

  test('members pointing at each other: it stops within the attempt budget, not applied', async () => {
    const f = new LeaderForwarder('a');
    const s = scripted({ b: [refusal('c')], c: [refusal('b')], d: [refusal('b')] });
    const err = (await f
      .forward(request(s.send, { timeoutMs: 60_000 }))
      .catch((e: unknown) => e)) as ClusterRequestError;
    expect(err).toBeInstanceOf(ClusterRequestError);
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.outcome).toBe('not-applied');
    expect(err.message).toMatch(/no member could serve the request/);
    expect(s.calls.length).toBe(MAX_ATTEMPTS);
  });

  test('a hint naming the forwarder itself is not followed', async () => {
    const f = new LeaderForwarder('a');
    const s = scripted({ b: [refusal('a')], c: ['ok'] });
    await expect(f.forward(request(s.send))).resolves.toBe('ok');
    expect(s.calls).toEqual(['b', 'c']);
  });

  test('no candidate at all: not applied, UNAVAILABLE, within the deadline', async () => {
    const f = new LeaderForwarder('a');
    const s = scripted({});
    const err = (await f
      .forward(request(s.send, { candidates: ['a'], timeoutMs: 300 }))
      .catch((e: unknown) => e)) as ClusterRequestError;
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.outcome).toBe('not-applied');
    expect(err.message).toMatch(/has no reachable leader/);
    expect(s.calls).toEqual([]);
  });
});

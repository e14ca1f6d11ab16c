import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BrokerClientError,
  StoreArgumentError,
  StoreError,
  connect,
  data,
} from '../../node/src/client/index.js';
import {
  type FailureFacts,
  classifyOutcome,
  failureFacts,
  neverSent,
  oldestIndexFrom,
  statusName,
  storeError,
} from '../../node/src/client/store-errors.js';
import { freePort } from '../../node/src/dev/index.js';
import type { BrokerStoreHandlers } from '../../node/src/gen/broker/v1/BrokerStore.js';
import { loadProtos } from '../../node/src/transport/proto.js';

const facts = (over: Partial<FailureFacts>): FailureFacts => ({
  status: 'UNAVAILABLE',
  trailer: [],
  details: '',
  isRead: false,
  ...over,
});

describe('store errors - outcome classification', () => {
  it.each<[string, Partial<FailureFacts>, 'not-applied' | 'unknown']>([
    [
      'the trailer says not-applied',
      { status: 'DEADLINE_EXCEEDED', trailer: ['not-applied'] },
      'not-applied',
    ],
    ['the trailer says unknown', { status: 'INVALID_ARGUMENT', trailer: ['unknown'] }, 'unknown'],
    [
      'an unrecognised trailer is ignored',
      { status: 'DEADLINE_EXCEEDED', trailer: ['maybe'] },
      'unknown',
    ],
    ['deadline exceeded without trailer', { status: 'DEADLINE_EXCEEDED' }, 'unknown'],
    ['a dropped connection', { status: 'UNAVAILABLE', details: 'Connection dropped' }, 'unknown'],
    [
      'an RST_STREAM',
      { status: 'INTERNAL', details: 'Received RST_STREAM with code 2' },
      'unknown',
    ],
    [
      'no connection was ever established',
      { details: 'No connection established. Last error: Error: connect ECONNREFUSED' },
      'not-applied',
    ],
    [
      'round_robin found no connection',
      { details: 'round_robin: No connection established' },
      'not-applied',
    ],
    [
      'name resolution failed',
      { details: 'Name resolution failed for target dns:x:1' },
      'not-applied',
    ],
    ['a refusal code without trailer', { status: 'FAILED_PRECONDITION' }, 'not-applied'],
    ['resource exhausted without trailer', { status: 'RESOURCE_EXHAUSTED' }, 'unknown'],
    ['cancelled', { status: 'CANCELLED' }, 'unknown'],
    ['a read, whatever happened', { status: 'DEADLINE_EXCEEDED', isRead: true }, 'not-applied'],
  ])('%s', (_what, over, outcome) => {
    expect(classifyOutcome(facts(over))).toBe(outcome);
  });

  it('neverSent matches only grpc-js failures before a stream exists', () => {
    expect(neverSent('No connection established')).toBe(true);
    expect(neverSent('the node said: No connection established')).toBe(false);
    expect(neverSent('read ECONNRESET')).toBe(false);
  });

  it('reads the trailer, code and details of a grpc-js error', () => {
    const md = new grpc.Metadata();
    md.set('broker-outcome', 'not-applied');
    const f = failureFacts({ code: 4, details: 'late', metadata: md }, false);
    expect(f).toEqual({
      status: 'DEADLINE_EXCEEDED',
      trailer: ['not-applied'],
      details: 'late',
      isRead: false,
    });
    expect(failureFacts('boom', true)).toEqual({
      status: 'UNKNOWN',
      trailer: [],
      details: 'boom',
      isRead: true,
    });
    const e = storeError('put on store "s"', { code: 4, details: 'late', metadata: md }, false);
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toBeInstanceOf(BrokerClientError);
    expect(e.name).toBe('StoreError');
    expect(e.code).toBe(4);
    expect(e.status).toBe('DEADLINE_EXCEEDED');
    expect(e.outcome).toBe('not-applied');
    expect(e.message).toBe('put on store "s": DEADLINE_EXCEEDED: late');
    expect(statusName(99)).toBe('UNKNOWN');
    expect(oldestIndexFrom('from 3: oldest retained index is 17')).toBe(17n);
    expect(oldestIndexFrom('compacted')).toBeUndefined();
  });

  it('argument errors are not-applied INVALID_ARGUMENT StoreErrors', () => {
    const e = new StoreArgumentError('bad key');
    expect(e).toBeInstanceOf(StoreError);
    expect(e.name).toBe('StoreArgumentError');
    expect([e.status, e.outcome, e.code]).toEqual(['INVALID_ARGUMENT', 'not-applied', 3]);
  });
});

describe('store errors - through a real grpc-js channel', () => {
  it('a write to a port where nothing listens is UNAVAILABLE and not-applied', async () => {
    const port = await freePort();
    const client = connect(`127.0.0.1:${port}`);
    try {
      const err = await client
        .store('s')
        .put(data.string('k'), data.count(1), { timeoutMs: 5000 })
        .then(
          () => undefined,
          (e: unknown) => e
        );
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).status).toBe('UNAVAILABLE');
      expect((err as StoreError).outcome).toBe('not-applied');
    } finally {
      client.close();
    }
  });

  describe('against an in-process server that answers with scripted statuses', () => {
    let server: grpc.Server;
    let address: string;
    let next: { code: number; details: string; outcome?: string } = { code: 0, details: '' };

    beforeAll(async () => {
      server = new grpc.Server();
      const handlers: Partial<BrokerStoreHandlers> = {
        Write: (_call, cb) => {
          const md = new grpc.Metadata();
          if (next.outcome !== undefined) md.set('broker-outcome', next.outcome);
          cb({ code: next.code, details: next.details, metadata: md });
        },
      };
      server.addService(
        loadProtos().broker.v1.BrokerStore.service,
        handlers as grpc.UntypedServiceImplementation
      );
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
          e ? reject(e) : resolve(p)
        )
      );
      address = `127.0.0.1:${port}`;
    });

    afterAll(() => {
      server?.forceShutdown();
    });

    it.each([
      [14, 'no leader for store s', 'not-applied', 'not-applied'],
      [4, 'proposal timed out', 'unknown', 'unknown'],
      [14, 'leader lost', undefined, 'unknown'],
      [8, 'max-store-keys (1000) reached', 'not-applied', 'not-applied'],
    ])('status %i "%s" with trailer %s is %s', async (code, details, trailer, outcome) => {
      next = { code, details, ...(trailer !== undefined ? { outcome: trailer } : {}) };
      const client = connect(address);
      try {
        const err = await client
          .store('s')
          .put(data.string('k'), data.count(1))
          .then(
            () => undefined,
            (e: unknown) => e
          );
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe(code);
        expect((err as StoreError).outcome).toBe(outcome);
        expect((err as StoreError).message).toContain(details);
      } finally {
        client.close();
      }
    });
  });
});

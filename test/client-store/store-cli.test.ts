import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AdminArgumentError,
  StoreArgumentError,
  StoreError,
  data,
  decodeData,
  encodeData,
} from '../../node/src/client/index.js';
import { runBrokerctl } from '../../node/src/cli/index.js';
import { checkClusterFlags } from '../../node/src/cli/cluster-commands.js';
import {
  EXIT_OUTCOME_UNKNOWN,
  checkStoreFlags,
  parseDataArg,
  parseU64Arg,
  storeCliError,
} from '../../node/src/cli/store-commands.js';
import { eventJson, groupsText, jsonText, storesTable } from '../../node/src/cli/store-output.js';
import { freePort } from '../../node/src/dev/index.js';
import type { BrokerAdminHandlers } from '../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreHandlers } from '../../node/src/gen/broker/v1/BrokerStore.js';
import type { ReadRequest__Output } from '../../node/src/gen/broker/v1/ReadRequest.js';
import type { WriteRequest__Output } from '../../node/src/gen/broker/v1/WriteRequest.js';
import { loadProtos } from '../../node/src/transport/proto.js';

async function ctl(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await runBrokerctl(argv, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    interrupt: new AbortController().signal,
  });
  return { code, stdout: out, stderr: err };
}

const K = '{"@data-type":"string","data":"k"}';
const V = '{"@data-type":"count","data":1}';

describe('brokerctl store - arguments', () => {
  it('parses KEY/VALUE in Broker JSON and VERSION as uint64, naming what is wrong', () => {
    expect(parseDataArg('KEY', K)).toEqual(data.string('k'));
    expect(() => parseDataArg('VALUE', '{"@data-type":"count","data":-1}')).toThrow(/^VALUE: /);
    expect(() => parseDataArg('KEY', undefined)).toThrow(/missing KEY/);
    expect(parseU64Arg('VERSION', '18446744073709551615')).toBe(18446744073709551615n);
    expect(() => parseU64Arg('VERSION', '18446744073709551616')).toThrow(/larger than 2\^64-1/);
    expect(() => parseU64Arg('VERSION', '01')).toThrow(/decimal integer/);
  });

  it('store and cluster flags apply to their subcommands only', () => {
    const v = (name: string) => new Map([[name, true]]);
    expect(() => checkStoreFlags('store', 'get', v('stale'))).not.toThrow();
    expect(() => checkStoreFlags('store', 'put', v('stale'))).toThrow(
      /--stale applies to store get/
    );
    expect(() => checkStoreFlags('sub', undefined, v('from-index'))).toThrow(/store watch only/);
    expect(() => checkClusterFlags('cluster', 'remove', v('force'))).not.toThrow();
    expect(() => checkClusterFlags('store', 'erase', v('force'))).toThrow(/cluster remove only/);
  });

  it.each([
    [['store'], /store needs a subcommand/],
    [['store', 'put', 's', K], /store put takes STORE KEY VALUE, got 2 arguments/],
    [['store', 'get', 's', 'nope'], /KEY: /],
    [['store', 'get', 'a\tb', K], /control character/],
    [['store', 'frob', 's'], /unknown store subcommand "frob"/],
    [['store', 'cas', 's', K, '1'], /STORE KEY VERSION VALUE/],
    [['store', 'cas', 's', K, 'x', V], /VERSION must be a decimal integer/],
    [['store', 'put', 's', K, V, '--expiry', 'soon'], /expiry "soon" is not a timespan/],
    [['store', 'add', 's', K, V, '--init-type', 'nope'], /--init-type: must be one of/],
    [['store', 'keys', 's', '--count', '2'], /--count applies to sub and store watch only/],
    [['store', 'watch', 's', '--from-index', '-3'], /--from-index must be a decimal integer/],
    [['cluster', 'add', 'b', 'nohost'], /invalid address "nohost"/],
    [['cluster', 'promote', 'b c'], /invalid member id "b c"/],
    [['cluster', 'create-store', 'x', '--replication-factor', '0'], /must be >= 1/],
    [['cluster', 'members', 'extra'], /cluster members takes no arguments/],
    [['stores', 'x'], /stores takes no arguments/],
  ])('%j is bad usage (exit 2) before anything is sent', async (argv, msg) => {
    // A server nobody listens on: exit 2 proves the check came before any call.
    const r = await ctl(['--server', '127.0.0.1:1', ...argv]);
    expect(r.stderr).toMatch(msg);
    expect(r.code).toBe(2);
  });

  it('an unreachable node is exit 3 and names the call', async () => {
    const port = await freePort();
    const r = await ctl(['--server', `127.0.0.1:${port}`, 'store', 'put', 's', K, V]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/put on store "s": UNAVAILABLE/);
  });
});

describe('brokerctl store - exit codes by outcome', () => {
  it('maps errors to exit codes', () => {
    expect(storeCliError(new StoreArgumentError('x')).exitCode).toBe(2);
    expect(storeCliError(new AdminArgumentError('x')).exitCode).toBe(2);
    expect(storeCliError(new StoreError('x', 'DEADLINE_EXCEEDED', 'unknown')).exitCode).toBe(
      EXIT_OUTCOME_UNKNOWN
    );
    expect(storeCliError(new StoreError('x', 'DEADLINE_EXCEEDED', 'not-applied')).exitCode).toBe(3);
    expect(storeCliError(new StoreError('x', 'NOT_FOUND', 'not-applied')).exitCode).toBe(1);
  });

  describe('against an in-process server with scripted answers', () => {
    let server: grpc.Server;
    let address: string;
    let next: { code: number; outcome?: string } = { code: 0 };

    beforeAll(async () => {
      server = new grpc.Server();
      const handlers: Partial<BrokerStoreHandlers> = {
        Write: (_call, cb) => {
          const md = new grpc.Metadata();
          if (next.outcome !== undefined) md.set('broker-outcome', next.outcome);
          cb({ code: next.code, details: 'scripted', metadata: md });
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

    afterAll(() => server?.forceShutdown());

    it.each([
      [4, 'unknown', EXIT_OUTCOME_UNKNOWN, /outcome unknown/],
      [14, 'not-applied', 3, /UNAVAILABLE: scripted/],
      [9, 'not-applied', 1, /FAILED_PRECONDITION: scripted/],
    ])('status %i with outcome %s exits %i', async (code, outcome, exit, msg) => {
      next = { code, outcome };
      const r = await ctl(['--server', address, 'store', 'put', 's', K, V]);
      expect(r.stderr).toMatch(msg);
      expect(r.code).toBe(exit);
    });
  });
});

describe('brokerctl store - output', () => {
  it('jsonText writes bigints as exact JSON numbers', () => {
    expect(jsonText({ index: 18446744073709551615n, s: 'big:1', n: [1n] })).toBe(
      '{"index":18446744073709551615,"s":"big:1","n":[1]}'
    );
  });

  it('events are one JSON line in Broker JSON', () => {
    const line = eventJson('hosts', {
      type: 'update',
      key: data.string('k'),
      value: data.count(2),
      oldValue: data.count(1),
      expiry: 10_000_000_000n,
      index: 9n,
      publisher: 'b',
    });
    expect(JSON.parse(line)).toEqual({
      type: 'update',
      store: 'hosts',
      index: 9,
      key: { '@data-type': 'string', data: 'k' },
      value: { '@data-type': 'count', data: 2 },
      'old-value': { '@data-type': 'count', data: 1 },
      expiry: '10s',
      publisher: 'b',
    });
  });

  it('tables', () => {
    expect(
      storesTable([
        {
          name: 'hosts',
          replicationFactor: 3,
          replicas: ['a', 'b', 'c'],
          leader: 'b',
          keys: 2n,
          bytes: 40n,
        },
      ])
    ).toBe('STORE  RF  REPLICAS  LEADER  KEYS  BYTES\nhosts  3   a,b,c     b       2     40');
    const text = groupsText('a', [
      {
        group: 'meta',
        store: '',
        role: 'leader',
        term: 2n,
        leader: 'a',
        commitIndex: 10n,
        appliedIndex: 10n,
        lastIndex: 10n,
        snapshotIndex: 0n,
        followers: [{ id: 'b', match: 9n, next: 10n, state: 'replicate', learner: false, lag: 1n }],
        broken: false,
        brokenReason: '',
        restoreBytes: 0n,
        restoreTotal: 0n,
        voters: ['a', 'b'],
        learners: [],
      },
    ]);
    expect(text).toMatch(/^member a\nGROUP +STORE +ROLE/);
    expect(text).toMatch(/\nmeta +- +leader +2 +a +10 +10 +10 +0 +-\n/);
    expect(text).toMatch(/followers of meta:\nFOLLOWER.*\nb +replicate +9 +10 +1 +no$/);
  });
});

describe('brokerctl store - requests and answers against a scripted in-process server', () => {
  let server: grpc.Server;
  let address: string;
  const writes: WriteRequest__Output[] = [];
  const reads: ReadRequest__Output[] = [];
  const enc = (d: Parameters<typeof encodeData>[0]): Buffer => Buffer.from(encodeData(d));

  beforeAll(async () => {
    server = new grpc.Server();
    const store: Partial<BrokerStoreHandlers> = {
      Write: (call, cb) => {
        writes.push(call.request);
        const op = call.request.ops[0];
        cb(null, {
          index: '41',
          results: call.request.ops.map(() => ({
            inserted: op?.op === 'put_unique',
            swapped: op?.op === 'compare_and_set' && op.compare_and_set?.expected_version === '3',
            version: '9',
            existed: true,
          })),
        });
      },
      Read: (call, cb) => {
        reads.push(call.request);
        const op = call.request.ops[0];
        const value =
          op?.op === 'keys'
            ? enc(data.set([data.string('a'), data.string('b')]))
            : op?.op === 'exists'
              ? enc(data.boolean(false))
              : enc(data.count(5));
        cb(null, {
          index: '41',
          results: [
            { found: true, value, version: '18446744073709551615', expires_at_unix_ns: '0' },
          ],
        });
      },
      ListStores: (_call, cb) =>
        cb(null, {
          stores: [
            {
              name: 'hosts',
              replication_factor: 3,
              replicas: ['a', 'b', 'c'],
              leader: 'b',
              keys: '2',
              bytes: '40',
            },
          ],
        }),
    };
    const admin: Partial<BrokerAdminHandlers> = {
      ClusterMap: (_call, cb) =>
        cb(null, {
          cluster_id: 'x1',
          index: '12',
          meta_leader: 'a',
          members: [
            {
              id: 'a',
              address: '127.0.0.1:1',
              state: 'MEMBER_STATE_ACTIVE',
              generation: 0,
              meta_voter: true,
            },
            {
              id: 'd',
              address: '127.0.0.1:4',
              state: 'MEMBER_STATE_JOINING',
              generation: 1,
              meta_voter: false,
            },
          ],
          stores: [
            { name: 'hosts', replication_factor: 3, replicas: ['a'], learners: ['d'], group: 'g1' },
          ],
        }),
    };
    const protos = loadProtos().broker.v1;
    server.addService(protos.BrokerStore.service, store as grpc.UntypedServiceImplementation);
    server.addService(protos.BrokerAdmin.service, admin as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p)
      )
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server?.forceShutdown());

  const run = (...argv: string[]) => ctl(['--server', address, ...argv]);

  it('put sends key, value and expiry; prints index and version', async () => {
    const r = await run('store', 'put', 'hosts', K, V, '--expiry', '10s');
    expect([r.code, r.stdout]).toEqual([0, 'ok index 41 version 9\n']);
    const put = writes.at(-1)!;
    expect(put.store).toBe('hosts');
    expect(put.ops[0]?.put?.expiry?.after_ns).toBe('10000000000');
    expect(decodeData(put.ops[0]!.put!.key)).toEqual(data.string('k'));
    const j = await run('store', 'put', 'hosts', K, V, '--output', 'json');
    expect(j.stdout).toBe('{"index":41,"version":9}\n');
  });

  it('add, subtract, put-unique, erase, clear and cas map onto their operations', async () => {
    expect((await run('store', 'add', 'hosts', K, V, '--init-type', 'count')).code).toBe(0);
    expect(writes.at(-1)!.ops[0]?.add?.init_type).toBe('count');
    expect((await run('store', 'subtract', 'hosts', K, V)).code).toBe(0);
    expect(writes.at(-1)!.ops[0]?.op).toBe('subtract');
    expect((await run('store', 'put-unique', 'hosts', K, V)).stdout).toBe('inserted\n');
    expect((await run('store', 'erase', 'hosts', K)).stdout).toBe('erased\n');
    expect((await run('store', 'clear', 'hosts')).stdout).toBe('cleared index 41\n');
    const ok = await run('store', 'cas', 'hosts', K, '3', V);
    expect([ok.code, ok.stdout]).toEqual([0, 'swapped version 9\n']);
    const no = await run('store', 'cas', 'hosts', K, '4', '--erase', '--output', 'json');
    expect([no.code, no.stdout]).toEqual([1, '{"swapped":false,"version":9,"index":41}\n']);
    const cas = writes.at(-1)!.ops[0]?.compare_and_set;
    expect([cas?.expected_version, cas?.erase]).toEqual(['4', true]);
  });

  it('get, exists and keys print Broker JSON; --stale reaches the request', async () => {
    const g = await run('store', 'get', 'hosts', K, '--stale');
    expect([g.code, g.stdout]).toEqual([0, '{"@data-type":"count","data":5}\n']);
    expect(reads.at(-1)!.stale).toBe(true);
    const gj = await run('store', 'get', 'hosts', K, '--output', 'json');
    expect(gj.stdout).toBe(
      '{"value":{"@data-type":"count","data":5},"version":18446744073709551615,"expiresAt":null}\n'
    );
    expect(reads.at(-1)!.stale).toBe(false);
    expect((await run('store', 'exists', 'hosts', K)).stdout).toBe('false\n');
    expect((await run('store', 'keys', 'hosts')).stdout).toBe(
      '{"@data-type":"string","data":"a"}\n{"@data-type":"string","data":"b"}\n'
    );
  });

  it('stores and cluster members', async () => {
    expect((await run('stores')).stdout).toBe(
      'STORE  RF  REPLICAS  LEADER  KEYS  BYTES\nhosts  3   a,b,c     b       2     40\n'
    );
    const m = await run('cluster', 'members');
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/^cluster x1  map index 12  meta leader a\n/);
    expect(m.stdout).toMatch(/\na +active +127\.0\.0\.1:1 +0 +leader\n/);
    expect(m.stdout).toMatch(/\nd +joining +127\.0\.0\.1:4 +1 +learner\n/);
    expect(m.stdout).toMatch(/\nhosts +g1 +3 +a +d\n/);
    const j = JSON.parse((await run('cluster', 'members', '--output', 'json')).stdout) as {
      index: number;
      members: Array<{ state: string }>;
    };
    expect(j.index).toBe(12);
    expect(j.members.map((x) => x.state)).toEqual(['active', 'joining']);
  });
});

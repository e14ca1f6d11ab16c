import { PassThrough } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AdminArgumentError,
  StoreArgumentError,
  StoreError,
  data,
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
import type { BrokerStoreHandlers } from '../../node/src/gen/broker/v1/BrokerStore.js';
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

import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  isLoopbackHost,
  loadNodeConfig,
  parseHostPort,
} from '../../node/src/config/index.js';
import { MAX_DEPTH_CEILING } from '../../node/src/data/index.js';
import { PayloadValidator } from '../../node/src/pubsub/index.js';
import { backoffDelay } from '../../node/src/transport/index.js';

describe('broker-node configuration', () => {
  it('reads flags, then environment, then defaults', () => {
    const c = loadNodeConfig(['--id', 'n1', '--max-depth=9'], {
      BROKER_MAX_DEPTH: '3',
      BROKER_PEER_CREDIT: '77',
    });
    if (c === 'help') throw new Error('unexpected help');
    expect(c.id).toBe('n1');
    expect(c.maxDepth).toBe(9);
    expect(c.peerCredit).toBe(77);
    expect(c.maxMessageBytes).toBe(1024 * 1024);
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 7400 });
    expect(c.overflowPolicy).toBe('block');
  });

  it('accepts every --max-depth the payload validator can use, and refuses the rest with exit-2 errors', () => {
    const c = loadNodeConfig(['--id', 'n1', '--max-depth', String(MAX_DEPTH_CEILING)], {});
    if (c === 'help') throw new Error('unexpected help');
    expect(() => new PayloadValidator(c.maxMessageBytes, c.maxDepth)).not.toThrow();
    expect(() =>
      loadNodeConfig(['--id', 'n1', '--max-depth', String(MAX_DEPTH_CEILING + 1)], {})
    ).toThrow(ConfigError);
  });

  it('parses static peers and skips its own entry', () => {
    const c = loadNodeConfig(
      ['--id', 'b', '--listen', '127.0.0.1:2', '--peers', 'a=127.0.0.1:1,b=127.0.0.1:2,c=[::1]:3'],
      { BROKER_CLUSTER_SECRET: 'sixteen-bytes-at-least' }
    );
    if (c === 'help') throw new Error('unexpected help');
    expect(c.peers).toEqual([
      { id: 'a', address: { host: '127.0.0.1', port: 1 } },
      { id: 'c', address: { host: '::1', port: 3 } },
    ]);
  });

  it.each([
    [['--id', 'x', '--peers', 'a=127.0.0.1:1,a=127.0.0.1:2'], /appears twice/],
    [['--id', 'x', '--peers', 'a=127.0.0.1:1', '--peers-dns', 'svc'], /exclude each other/],
    [['--id', 'x', '--tls-ca', 'ca.pem'], /--tls-ca needs/],
    [['--id', 'x', '--http', '10.0.0.1:9090'], /not a loopback address/],
    [
      ['--id', 'x', '--max-message-bytes', '4096', '--max-batch-bytes', '2048'],
      /--max-batch-bytes must be at least/,
    ],
    [['--id', 'x', '--reconnect-base-ms', '10', '--reconnect-max-ms', '5'], /must not exceed/],
    [['--id', 'x', 'stray'], /unexpected argument/],
    [['--id', 'x', '--listen'], /missing value/],
    [['--id', 'x', '--insecure=perhaps'], /expected true or false/],
    // Issue 10, defect 1: peers must prove their ids.
    [['--id', 'x', '--peers', 'a=127.0.0.1:1'], /cannot prove their ids/],
    [['--id', 'x', '--peers-dns', 'svc'], /cannot prove their ids/],
    [
      [
        '--id',
        'x',
        '--listen',
        '0.0.0.0:1',
        '--insecure',
        '--insecure-peers',
        '--peers',
        'a=127.0.0.1:1',
      ],
      /--insecure-peers is for loopback/,
    ],
    [
      ['--id', 'x', '--insecure-peers', '--peers', 'a=10.0.0.1:1'],
      /--insecure-peers is for loopback/,
    ],
    // Issue 10, defect 6: inconsistent flags.
    [['--id', 'x', '--id', 'y'], /--id given more than once/],
    [['--id', 'x', '--listen', '127.0.0.1:7000', '--http', '127.0.0.1:7000'], /both use port 7000/],
    [
      ['--id', 'x', '--insecure-peers', '--peers', 'a=127.0.0.1:1,b=127.0.0.1:1'],
      /a and b have the same address/,
    ],
    [
      [
        '--id',
        'x',
        '--listen',
        '127.0.0.1:7000',
        '--insecure-peers',
        '--peers',
        'x=127.0.0.1:7001,a=127.0.0.1:1',
      ],
      /gives this node \(x\) the address 127.0.0.1:7001 but --listen is 127.0.0.1:7000/,
    ],
  ])('rejects %j', (argv, why) => {
    expect(() => loadNodeConfig(argv, {})).toThrow(ConfigError);
    expect(() => loadNodeConfig(argv, {})).toThrow(why);
  });

  it('accepts peers that prove their ids: a secret, mutual TLS, or --insecure-peers on loopback', () => {
    const peers = ['--peers', 'a=127.0.0.1:1'];
    expect(
      loadNodeConfig(['--id', 'x', ...peers, '--cluster-secret', '0123456789abcdef'], {})
    ).toMatchObject({
      clusterSecret: expect.any(Uint8Array),
    });
    expect(loadNodeConfig(['--id', 'x', ...peers, '--insecure-peers'], {})).toMatchObject({
      insecurePeers: true,
    });
  });

  it('accepts a non-loopback listener with --insecure', () => {
    const c = loadNodeConfig(['--id', 'x', '--listen', '0.0.0.0:7400', '--insecure'], {});
    expect(c).not.toBe('help');
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.org', '128.0.0.1'])
      expect(isLoopbackHost(h)).toBe(false);
  });

  it('parses HOST:PORT with IPv6 brackets', () => {
    expect(parseHostPort('[::1]:80', 'x')).toEqual({ host: '::1', port: 80 });
    expect(() => parseHostPort('::1:80', 'x')).toThrow(/expected HOST:PORT/);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and jitters within [d/2, d]', () => {
    expect(backoffDelay(0, 100, 5000, () => 0)).toBe(50);
    expect(backoffDelay(0, 100, 5000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 5000, () => 1)).toBe(800);
    expect(backoffDelay(10, 100, 5000, () => 1)).toBe(5000);
    expect(backoffDelay(1000, 100, 5000, () => 0.5)).toBe(3750);
  });
});

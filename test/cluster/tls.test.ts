import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BrokerClient,
  type ConnectOptions,
  connect,
  data,
} from '../../node/src/client/index.js';
import { type NodeProcess, freePort, spawnNode } from '../../node/src/dev/index.js';
import { type CertSet, makeCa } from './support/certs.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { waitFor } from './support/wait-for.js';

let ca1: ReturnType<typeof makeCa>;
let ca2: ReturnType<typeof makeCa>;
const started: NodeProcess[] = [];
const clients: BrokerClient[] = [];

beforeAll(() => {
  ensureBuilt();
  ca1 = makeCa('ca-one', ['a', 'b', 'client']);
  ca2 = makeCa('ca-two', ['a', 'client']);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const n of started) expect(await n.stop()).toBe(0);
});

function client(server: string, tls?: ConnectOptions['tls']): BrokerClient {
  const c = connect({ server, ...(tls !== undefined ? { tls } : {}) });
  clients.push(c);
  return c;
}

async function start(id: string, args: string[]): Promise<NodeProcess> {
  const n = await spawnNode({ id, args });
  started.push(n);
  return n;
}

const tlsArgs = (s: CertSet, withCa: boolean): string[] => [
  '--tls-cert',
  s.cert,
  '--tls-key',
  s.key,
  ...(withCa ? ['--tls-ca', s.ca] : []),
];

async function fails(c: BrokerClient): Promise<boolean> {
  try {
    await c.status(3000);
    return false;
  } catch {
    return true;
  }
}

describe('TLS and mutual TLS', () => {
  it('an mTLS mesh carries pub/sub; clients without a certificate or without TLS are refused', async () => {
    const pa = await freePort();
    const pb = await freePort();
    const peers = `a=127.0.0.1:${pa},b=127.0.0.1:${pb}`;
    const a = await start('a', [
      '--listen',
      `127.0.0.1:${pa}`,
      '--peers',
      peers,
      ...tlsArgs(ca1.leaf.a!, true),
    ]);
    const b = await start('b', [
      '--listen',
      `127.0.0.1:${pb}`,
      '--peers',
      peers,
      ...tlsArgs(ca1.leaf.b!, true),
    ]);
    const creds = { ca: ca1.ca, cert: ca1.leaf.client!.cert, key: ca1.leaf.client!.key };
    const ca = client(a.grpc, creds);
    const cb = client(b.grpc, creds);
    await waitForMesh([ca, cb]);
    expect((await ca.status()).security).toBe('mtls');
    const sub = cb.subscribe(['/tls']);
    await sub.ready();
    await waitForFilter([ca, cb], 'b', '/tls');
    const got = collect(sub, (t) => t);
    await ca.publish('/tls/x', data.count(1));
    await waitFor(() => got.items.length === 1, 'the event over mTLS');
    sub.close();
    expect(await fails(client(a.grpc, { ca: ca1.ca }))).toBe(true);
    expect(await fails(client(a.grpc))).toBe(true);
    expect(
      await fails(
        client(a.grpc, { ca: ca2.ca, cert: ca2.leaf.client!.cert, key: ca2.leaf.client!.key })
      )
    ).toBe(true);
  }, 60_000);

  it('TLS without a CA serves any client that trusts the certificate; --insecure shows in status', async () => {
    const n = await start('t', [
      '--listen',
      `127.0.0.1:${await freePort()}`,
      ...tlsArgs(ca1.leaf.a!, false),
    ]);
    const c = client(n.grpc, { ca: ca1.ca });
    expect((await c.status()).security).toBe('tls');
    expect(await fails(client(n.grpc))).toBe(true);
    const i = await start('i', ['--listen', `127.0.0.1:${await freePort()}`, '--insecure']);
    expect((await client(i.grpc).status()).security).toBe('plaintext-insecure');
  }, 30_000);

  it('re-reads certificate files when they change (a renewed Secret)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broker-tls-live-'));
    const live = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), ca: join(dir, 'ca.crt') };
    const install = (s: CertSet): void => {
      copyFileSync(s.cert, live.cert);
      copyFileSync(s.key, live.key);
      copyFileSync(s.ca, live.ca);
    };
    install(ca1.leaf.a!);
    const n = await start('r', [
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--tls-cert',
      live.cert,
      '--tls-key',
      live.key,
      '--tls-ca',
      live.ca,
      '--tls-reload-ms',
      '200',
    ]);
    const old = { ca: ca1.ca, cert: ca1.leaf.client!.cert, key: ca1.leaf.client!.key };
    const renewed = { ca: ca2.ca, cert: ca2.leaf.client!.cert, key: ca2.leaf.client!.key };
    expect((await client(n.grpc, old).status()).id).toBe('r');
    expect(await fails(client(n.grpc, renewed))).toBe(true);
    install(ca2.leaf.a!);
    // New connections see the new files once the watcher re-read them.
    await waitFor(
      async () => (await client(n.grpc, renewed).status()).id === 'r',
      'the renewed certificate',
      15_000,
      250
    );
    expect(await fails(client(n.grpc, old))).toBe(true);
  }, 60_000);
});

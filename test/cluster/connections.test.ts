// Issue 10, defect 2: on main every idle TCP connection was kept, a connection that sent only
// the HTTP/2 preface stayed open forever, and streams beyond 1,024 on one connection hung
// without an error. Now: --max-connections, --handshake-timeout-ms, --idle-timeout-ms and
// --max-streams-per-connection (RESOURCE_EXHAUSTED).
import { type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import {
  type BrokerClient,
  BrokerClientError,
  type Subscription,
  connect,
} from '../../node/src/client/index.js';
import { type NodeProcess, freePort, spawnNode } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

let node: NodeProcess;

beforeAll(async () => {
  ensureBuilt();
  node = await spawnNode({
    id: 'c',
    args: [
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--http',
      `127.0.0.1:${await freePort()}`,
      '--max-connections',
      '8',
      '--handshake-timeout-ms',
      '1000',
      '--idle-timeout-ms',
      '1500',
      '--max-streams-per-connection',
      '3',
    ],
  });
}, 180_000);

afterAll(async () => {
  expect(await node.stop()).toBe(0);
});

function openSocket(preface: boolean): Promise<{ socket: Socket; closed: Promise<void> }> {
  const [host, port] = node.grpc.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), host, () => {
      if (preface) socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      resolve({ socket, closed });
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    // A socket over --max-connections may be reset before its connect callback runs (the
    // node accepts and drops it in one turn of a busy loop): that is a refused connection,
    // not a failure to connect, so it resolves as a socket that is already closed.
    socket.once('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve({ socket, closed }) : reject(e)
    );
  });
}

async function rejected(limit: string): Promise<number> {
  return sumOf(await scrape(node.http!), 'broker_rejected_requests_total', { limit });
}

describe('bounded connections', () => {
  it('a silent connection and one that sends only the preface are closed by the handshake timeout', async () => {
    const silent = await openSocket(false);
    const preface = await openSocket(true);
    await Promise.all([silent.closed, preface.closed]);
    expect(await rejected('handshake-timeout')).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('connections over --max-connections are closed at once; the node keeps serving', async () => {
    const held = await Promise.all(Array.from({ length: 12 }, () => openSocket(false)));
    await waitFor(async () => (await rejected('max-connections')) >= 4, 'refused connections');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    const c = connect(node.grpc);
    try {
      expect((await c.status()).id).toBe('c');
    } finally {
      c.close();
    }
  }, 30_000);

  it('streams over --max-streams-per-connection get RESOURCE_EXHAUSTED instead of hanging', async () => {
    const c: BrokerClient = connect(node.grpc);
    const subs: Subscription[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = c.subscribe([`/s/${i}`]);
        subs.push(s);
        await s.ready();
      }
      const extra = c.subscribe(['/s/extra']);
      subs.push(extra);
      const err = await extra.ready().then(
        () => undefined,
        (e: unknown) => e
      );
      expect(err).toBeInstanceOf(BrokerClientError);
      expect((err as BrokerClientError).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect((err as BrokerClientError).message).toMatch(/max-streams-per-connection/);
      // Closing one makes room again.
      subs[0]!.close();
      await waitFor(async () => {
        const s = c.subscribe(['/s/again']);
        subs.push(s);
        return s.ready().then(
          () => true,
          () => false
        );
      }, 'room for a new stream');
    } finally {
      for (const s of subs) s.close();
      c.close();
    }
  }, 30_000);

  it('a connection without calls is closed after --idle-timeout-ms', async () => {
    const ch = new grpc.Client(node.grpc, grpc.credentials.createInsecure());
    try {
      await new Promise<void>((resolve, reject) =>
        ch.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve()))
      );
      const channel = ch.getChannel();
      expect(channel.getConnectivityState(false)).toBe(grpc.connectivityState.READY);
      await new Promise<void>((resolve) =>
        channel.watchConnectivityState(grpc.connectivityState.READY, Date.now() + 20_000, () =>
          resolve()
        )
      );
      expect(channel.getConnectivityState(false)).not.toBe(grpc.connectivityState.READY);
    } finally {
      ch.close();
    }
  }, 30_000);
});

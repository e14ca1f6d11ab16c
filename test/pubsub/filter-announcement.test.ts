import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { SILENT_LOGGER, loadNodeConfig } from '../../node/src/config/index.js';
import type { PeerFrame } from '../../node/src/gen/broker/v1/PeerFrame.js';
import { NULL_OBSERVER, Router, Subscriber } from '../../node/src/pubsub/index.js';
import { PROTOCOL_VERSION, PeerManager } from '../../node/src/transport/index.js';

/** The node's side of an inbound Link call; the test plays the remote peer. */
class FakeLinkCall extends EventEmitter {
  readonly sent: PeerFrame[] = [];
  write(f: PeerFrame): boolean {
    this.sent.push(f);
    return true;
  }
  end(): void {}
  destroy(): void {}
  getPeer(): string {
    return '127.0.0.1:1';
  }
}

const observer = NULL_OBSERVER;

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('filter announcements', () => {
  it('a burst of subscribes reaches a peer as one announcement of the whole filter', async () => {
    const config = loadNodeConfig(['--id', 'm'], {});
    if (config === 'help') throw new Error('unexpected help');
    const router = new Router(observer);
    const peers = new PeerManager(
      config,
      router,
      observer,
      { attempt: () => undefined },
      grpc.credentials.createInsecure(),
      SILENT_LOGGER
    );
    const call = new FakeLinkCall();
    peers.accept(call as unknown as Parameters<PeerManager['accept']>[0]);
    call.emit('data', {
      body: 'hello',
      hello: {
        peer_id: 'a',
        protocol_version: PROTOCOL_VERSION,
        incarnation: 'x',
        initial_credit: 10,
      },
    });
    await turn();
    expect(peers.connectedCount()).toBe(1);
    const announcements = (): string[][] =>
      call.sent.flatMap((f) => (f.subscriptions ? [f.subscriptions.topics ?? []] : []));
    expect(announcements()).toEqual([[]]);
    for (let i = 0; i < 100; i++) {
      const s = new Subscriber(
        { policy: 'drop-oldest', capacity: 10, maxBytes: 1 << 20, blockTimeoutMs: 1000 },
        observer
      );
      s.setTopics([`/burst/${i}`]);
      router.addSubscriber(s);
    }
    await turn();
    expect(announcements()).toHaveLength(2);
    expect(announcements()[1]).toHaveLength(100);
    await peers.shutdown(100);
  });
});

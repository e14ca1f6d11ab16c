import * as grpc from '@grpc/grpc-js';
import type { PeerFrame, PeerFrame__Output } from '../../../node/src/gen/broker/v1/PeerFrame.js';
import { PROTOCOL_VERSION, loadProtos, peerAuth } from '../../../node/src/transport/index.js';

/** How the hand-driven peer answers the node's challenge. */
export interface RawPeerOptions {
  /** The id it claims in Hello. */
  readonly id: string;
  /** The secret it signs with; undefined sends an empty proof. */
  readonly secret?: Uint8Array | undefined;
  readonly credentials?: grpc.ChannelCredentials;
  /** Say Hello at once instead of after the node's challenge (a node without a secret). */
  readonly immediateHello?: boolean;
}

/**
 * One `BrokerPeer.Link` call driven frame by frame from the test: it plays a peer (honest or
 * not) against a real broker-node. It answers the node's challenge with a Hello as `id`,
 * collects every frame the node sends, and resolves `ended` with the reason the link ended.
 */
export interface RawPeer {
  readonly frames: PeerFrame__Output[];
  /** The node's Hello, once the node accepted ours. */
  readonly hello: Promise<PeerFrame__Output['hello']>;
  /** The Goodbye reason or the stream's end/error. */
  readonly ended: Promise<string>;
  send(frame: PeerFrame): void;
  close(): void;
}

export function rawPeer(address: string, o: RawPeerOptions): RawPeer {
  const Ctor = loadProtos().broker.v1.BrokerPeer;
  const client = new Ctor(address, o.credentials ?? grpc.credentials.createInsecure());
  const call = client.Link({ deadline: Infinity });
  const frames: PeerFrame__Output[] = [];
  let resolveHello!: (h: PeerFrame__Output['hello']) => void;
  const hello = new Promise<PeerFrame__Output['hello']>((r) => (resolveHello = r));
  let resolveEnded!: (why: string) => void;
  const ended = new Promise<string>((r) => (resolveEnded = r));
  // The node's challenge comes first; our own challenge lets the node's Hello prove its id.
  const sayHello = (proof: Uint8Array): void => {
    call.write({
      hello: {
        peer_id: o.id,
        protocol_version: PROTOCOL_VERSION,
        incarnation: 'raw-peer',
        initial_credit: 1000,
        proof,
      },
    });
  };
  if (o.immediateHello === true) sayHello(Buffer.alloc(0));
  else call.write({ challenge: { nonce: peerAuth.makeNonce(), server_id: o.id } });
  call.on('data', (f: PeerFrame__Output) => {
    frames.push(f);
    if (f.body === 'challenge' && f.challenge && o.immediateHello !== true) {
      sayHello(
        o.secret !== undefined
          ? peerAuth.proveStream(o.secret, f.challenge.nonce, o.id, f.challenge.server_id)
          : Buffer.alloc(0)
      );
    }
    if (f.body === 'hello') resolveHello(f.hello);
    if (f.body === 'goodbye') resolveEnded(`goodbye: ${f.goodbye?.reason ?? ''}`);
  });
  call.on('error', (e: Error) => resolveEnded(`error: ${e.message}`));
  call.on('end', () => resolveEnded('end'));
  return {
    frames,
    hello,
    ended,
    send: (f) => {
      call.write(f);
    },
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

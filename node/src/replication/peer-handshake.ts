/**
 * The challenge/proof exchange that opens every BrokerReplication stream (docs/replication.md):
 * the callee sends PeerChallenge { nonce, server_id }, the caller answers PeerProof with
 * HMAC(secret, nonce, callerId, calleeId). The callee then knows the caller's member id; every
 * Raft message on the stream must come from a replica of that member.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  ReplicationFrame,
  ReplicationFrame__Output,
} from '../gen/broker/v1/ReplicationFrame.js';
import { makeNonce, proveStream, verifyStream } from '../transport/peer-auth.js';
import { ReplicationError } from './errors.js';
import type { FrameReader } from './frame-reader.js';
import { wireId } from './wire-convert.js';

/** Version of the replication stream protocol carried in PeerProof. */
export const REPLICATION_PROTOCOL_VERSION = 1;
/** A stream whose handshake has not finished in this time is closed. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/** The handshake failed; `code` is the gRPC status the callee closes the stream with. */
export class HandshakeError extends ReplicationError {
  constructor(
    readonly code: grpc.status,
    message: string,
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}

/** How a callee decides who is calling. */
export interface PeerIdentity {
  readonly memberId: string;
  readonly secret: Uint8Array | undefined;
  readonly verifyPeerIdentity?:
    ((call: grpc.ServerDuplexStream<unknown, unknown>, claimedId: string) => boolean) | undefined;
}

/** Callee side: challenge, then wait for a valid proof. Returns the caller's member id. */
export async function acceptHandshake(
  call: grpc.ServerDuplexStream<ReplicationFrame__Output, ReplicationFrame>,
  reader: FrameReader<ReplicationFrame__Output>,
  id: PeerIdentity
): Promise<string> {
  const status = grpc.status;
  const nonce = makeNonce();
  call.write({ challenge: { nonce, server_id: id.memberId } });
  let f: ReplicationFrame__Output;
  try {
    f = await reader.next(HANDSHAKE_TIMEOUT_MS, 'peer proof');
  } catch (e) {
    throw new HandshakeError(status.DEADLINE_EXCEEDED, (e as Error).message, { cause: e });
  }
  if (f.body !== 'proof' || !f.proof) {
    throw new HandshakeError(status.UNAUTHENTICATED, 'the first frame must be a peer proof');
  }
  let caller: string;
  try {
    caller = wireId(f.proof.peer_id, 'peer_id');
  } catch (e) {
    throw new HandshakeError(status.UNAUTHENTICATED, (e as Error).message, { cause: e });
  }
  if (f.proof.protocol_version !== REPLICATION_PROTOCOL_VERSION) {
    throw new HandshakeError(
      status.FAILED_PRECONDITION,
      `protocol version ${f.proof.protocol_version} is not ${REPLICATION_PROTOCOL_VERSION}`
    );
  }
  if (id.secret !== undefined) {
    const mac = f.proof.mac;
    if (!(mac instanceof Uint8Array) || !verifyStream(id.secret, nonce, caller, id.memberId, mac)) {
      throw new HandshakeError(status.UNAUTHENTICATED, `the proof does not prove peer ${caller}`);
    }
  } else if (
    id.verifyPeerIdentity === undefined ||
    !id.verifyPeerIdentity(call as grpc.ServerDuplexStream<unknown, unknown>, caller)
  ) {
    throw new HandshakeError(
      status.UNAUTHENTICATED,
      `peer ${caller} is not proven by its certificate`
    );
  }
  return caller;
}

/** Caller side: wait for the challenge of `serverId`, answer it. */
export async function offerHandshake(
  call: grpc.ClientDuplexStream<ReplicationFrame, ReplicationFrame__Output>,
  reader: FrameReader<ReplicationFrame__Output>,
  memberId: string,
  serverId: string,
  secret: Uint8Array | undefined
): Promise<void> {
  const f = await reader.next(HANDSHAKE_TIMEOUT_MS, 'peer challenge');
  if (f.body !== 'challenge' || !f.challenge) {
    throw new ReplicationError(`peer ${serverId} did not start with a challenge`);
  }
  if (f.challenge.server_id !== serverId) {
    throw new ReplicationError(
      `dialed ${serverId} but the peer says it is ${JSON.stringify(f.challenge.server_id)}`
    );
  }
  const nonce = f.challenge.nonce;
  call.write({
    proof: {
      peer_id: memberId,
      mac: secret === undefined ? Buffer.alloc(0) : proveStream(secret, nonce, memberId, serverId),
      protocol_version: REPLICATION_PROTOCOL_VERSION,
      incarnation: '',
    },
  });
}

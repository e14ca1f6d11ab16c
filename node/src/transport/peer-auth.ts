/**
 * Proving a peer's identity (docs/security.md). Without mutual TLS, peers share a cluster
 * secret and a peer proves its id by an HMAC over a fresh challenge from the callee (streams)
 * or over the current time and the call (unary calls, within a short window). The id is then
 * known, not claimed. Under mutual TLS the peer certificate proves the id instead.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of a challenge nonce. */
export const NONCE_BYTES = 32;
/** A unary call's proof is accepted this long either side of the callee's clock. */
export const UNARY_PROOF_WINDOW_MS = 60_000;
/** Metadata keys of a unary call's proof. */
export const PEER_ID_HEADER = 'broker-peer-id';
export const PEER_TIME_HEADER = 'broker-peer-time';
export const PEER_MAC_HEADER = 'broker-peer-mac';

const STREAM_LABEL = 'broker-peer-v1';
const UNARY_LABEL = 'broker-peer-unary-v1';

/** A challenge to send first on a stream. */
export function makeNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

function mac(secret: Uint8Array, parts: readonly (string | Uint8Array)[]): Buffer {
  const h = createHmac('sha256', secret);
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    // Length-prefixed so that no two different part lists hash the same bytes.
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len);
    h.update(b);
  }
  return h.digest();
}

/** The prover's answer to `nonce` from `serverId`. */
export function proveStream(
  secret: Uint8Array,
  nonce: Uint8Array,
  peerId: string,
  serverId: string
): Buffer {
  return mac(secret, [STREAM_LABEL, nonce, peerId, serverId]);
}

/** Constant-time check of a stream proof. */
export function verifyStream(
  secret: Uint8Array,
  nonce: Uint8Array,
  peerId: string,
  serverId: string,
  proof: Uint8Array
): boolean {
  return safeEqual(proveStream(secret, nonce, peerId, serverId), proof);
}

/** Metadata values proving `peerId` for one unary call of `method` to `serverId`. */
export function proveUnary(
  secret: Uint8Array,
  peerId: string,
  serverId: string,
  method: string,
  nowMs: number
): { id: string; time: string; mac: string } {
  const time = String(Math.floor(nowMs));
  return {
    id: peerId,
    time,
    mac: mac(secret, [UNARY_LABEL, peerId, serverId, method, time]).toString('base64'),
  };
}

/** Why a unary proof was refused, or undefined when it holds. */
export function checkUnary(
  secret: Uint8Array,
  serverId: string,
  method: string,
  nowMs: number,
  proof: { id: string | undefined; time: string | undefined; mac: string | undefined }
): string | undefined {
  if (proof.id === undefined || proof.time === undefined || proof.mac === undefined)
    return `missing ${PEER_ID_HEADER}/${PEER_TIME_HEADER}/${PEER_MAC_HEADER} metadata`;
  if (!/^\d{1,16}$/.test(proof.time)) return `${PEER_TIME_HEADER} is not a time in ms`;
  const t = Number(proof.time);
  if (Math.abs(nowMs - t) > UNARY_PROOF_WINDOW_MS)
    return `${PEER_TIME_HEADER} is more than ${UNARY_PROOF_WINDOW_MS} ms from this peer's clock`;
  const want = mac(secret, [UNARY_LABEL, proof.id, serverId, method, proof.time]);
  let got: Buffer;
  try {
    got = Buffer.from(proof.mac, 'base64');
  } catch {
    return `${PEER_MAC_HEADER} is not base64`;
  }
  return safeEqual(want, got) ? undefined : `${PEER_MAC_HEADER} does not prove ${proof.id}`;
}

function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

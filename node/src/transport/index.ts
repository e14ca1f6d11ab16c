/** The peer-to-peer transport: links, the mesh manager, discovery, TLS and proto loading. */
export { PeerManager, type PeerView, type ConnectionObserver } from './peer-manager.js';
export { PeerLink, PROTOCOL_VERSION, type LinkSettings, type RemoteHello } from './peer-link.js';
export { backoffDelay, sleep } from './backoff.js';
export { PeerResolver, type DialTarget } from './discovery.js';
export { makeCredentials, type Credentials, type SecurityMode } from './tls.js';
export { loadProtos, protoRoot, type AllProtos } from './proto.js';
export { toWireRun, fromWireRun, type WireRun } from './wire-runs.js';
export { publishRequestBytes } from './run-codec.js';
export { PeerProtocolError, TlsConfigError } from './errors.js';
export * as peerAuth from './peer-auth.js';
export { guardConnections, type ConnectionLimits } from './connection-guard.js';
export { peerIdFromCall, peerIdFromCertificate, PEER_URI_SCHEME } from './peer-identity.js';
export {
  MAX_FRAME_BYTES,
  RECEIVE_WINDOW_BYTES,
  widenSessionWindows,
  widenStreamWindow,
} from './http2-window.js';
export { PoolFrames, type PoolFrameLimits } from './pool-frames.js';

/**
 * A peer's id as its mutual-TLS certificate states it (docs/security.md). The id is bound to
 * the certificate by a URI subject alternative name `broker-peer://<id>`; a certificate may
 * carry other SANs (the DNS names and IPs it is served under) besides. A certificate with no
 * such SAN, or with two different ones, proves no id.
 */
import type { PeerCertificate } from 'node:tls';

/** The URI scheme of the SAN that names a peer. */
export const PEER_URI_SCHEME = 'broker-peer://';

/** The same rule as --id (node-config.ts): an id that could never be configured proves nothing. */
const PEER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Anything that carries gRPC's auth context: a server call or a client call. */
export interface HasAuthContext {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}

/** The peer id a certificate's SANs name, or undefined (none, malformed, or ambiguous). */
export function peerIdFromCertificate(cert: PeerCertificate | undefined): string | undefined {
  const san = cert?.subjectaltname;
  if (typeof san !== 'string' || san === '') return undefined;
  let found: string | undefined;
  // Node joins the SANs with ", " and quotes an entry that itself holds a comma or quote; a
  // valid peer URI holds neither, so a quoted entry is never a peer id.
  for (const entry of san.split(', ')) {
    if (!entry.startsWith('URI:' + PEER_URI_SCHEME)) continue;
    const id = entry.slice(4 + PEER_URI_SCHEME.length);
    if (!PEER_ID_RE.test(id)) return undefined;
    if (found !== undefined && found !== id) return undefined;
    found = id;
  }
  return found;
}

/**
 * The id the other end of `call` proved with its certificate, or undefined when the
 * connection is not TLS, the peer sent no certificate, or the certificate names no single id.
 * Only meaningful under mutual TLS, where the certificate was verified against --tls-ca.
 */
export function peerIdFromCall(call: HasAuthContext): string | undefined {
  let ctx: ReturnType<HasAuthContext['getAuthContext']>;
  try {
    ctx = call.getAuthContext();
  } catch {
    return undefined;
  }
  return peerIdFromCertificate(ctx?.sslPeerCertificate);
}

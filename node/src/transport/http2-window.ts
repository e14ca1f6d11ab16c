import type * as grpc from '@grpc/grpc-js';
import type * as http2 from 'node:http2';

/**
 * HTTP/2 receive window of the node's streams and connections, in bytes. Node's default is
 * 64 KiB: about one publish batch, so each batch waited for a WINDOW_UPDATE round trip
 * (a scheduler round trip between busy processes). Worse, a message larger than the window
 * stalls both ends: the receiver cannot decode half a message and the sender may not send
 * the rest until the receiver's WINDOW_UPDATE, so both sit idle for a round trip per window.
 * A peer link's envelope batches are therefore kept to {@link MAX_FRAME_BYTES}. Buffered
 * data per stream stays bounded by this window.
 */
export const RECEIVE_WINDOW_BYTES = 1024 * 1024;

/**
 * Most bytes of events in one envelope batch on a peer link; one larger event still goes
 * whole. Half the receive window: two batches in flight, none waiting half-sent for a
 * window update. About 8000 typical 62-byte events, as many as `--peer-batch-events`.
 */
export const MAX_FRAME_BYTES = RECEIVE_WINDOW_BYTES / 2;

/** The grpc-js (1.14) internals used below; absent fields leave the server unchanged. */
interface ServerInternals {
  commonServerOptions?: http2.ServerOptions;
  http2Servers?: Map<http2.Http2Server, unknown>;
}

/**
 * Sets the HTTP/2 receive window of a grpc-js server: the stream window through the
 * SETTINGS it sends (call before `bindAsync`); {@link widenSessionWindows} does the
 * connection window after binding. grpc-js has no option for either on the server side.
 */
export function widenStreamWindow(server: grpc.Server, bytes = RECEIVE_WINDOW_BYTES): void {
  const s = server as unknown as ServerInternals;
  if (s.commonServerOptions === undefined) return;
  s.commonServerOptions.settings = { ...s.commonServerOptions.settings, initialWindowSize: bytes };
}

/** Raises the connection-level receive window of every session the server accepts. */
export function widenSessionWindows(server: grpc.Server, bytes = RECEIVE_WINDOW_BYTES): void {
  const s = server as unknown as ServerInternals;
  for (const h of s.http2Servers?.keys() ?? []) {
    h.on('session', (session: http2.ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(bytes);
      } catch {
        // A session that closed at once: nothing to widen.
      }
    });
  }
}

import type * as grpc from '@grpc/grpc-js';
import type * as http2 from 'node:http2';
import type { Socket } from 'node:net';

/** Bounds on the connections one gRPC listener keeps (issue 10, defect 2). */
export interface ConnectionLimits {
  /** Open TCP connections at most; one more is closed at once. */
  readonly maxConnections: number;
  /**
   * A connection must complete its HTTP/2 handshake (the client's preface and SETTINGS,
   * after TLS if any) within this time, or it is closed: a silent socket or a bare preface
   * holds no memory for long.
   */
  readonly handshakeTimeoutMs: number;
}

/** What the guard reports (to metrics and the log). */
export interface ConnectionGuardObserver {
  refused(reason: 'max-connections' | 'handshake-timeout'): void;
}

interface ServerInternals {
  http2Servers?: Map<http2.Http2Server, unknown>;
}

/**
 * Applies {@link ConnectionLimits} to every listener of a bound grpc-js server (call after
 * `bindAsync`). grpc-js has no option for either; idle connections are closed by its own
 * `grpc.max_connection_idle_ms`.
 */
export function guardConnections(
  server: grpc.Server,
  limits: ConnectionLimits,
  observer: ConnectionGuardObserver
): { open(): number } {
  /** Invariant: the sockets accepted and not yet closed, over all listeners. */
  const open = new Set<Socket>();
  /** Handshake timers of open sockets by remote address and port (same under TLS). */
  const pending = new Map<string, NodeJS.Timeout>();
  /** The HTTP/2 session of a socket still in its handshake: it owns the socket's handle. */
  const sessions = new Map<string, http2.ServerHttp2Session>();
  const s = server as unknown as ServerInternals;
  for (const h of s.http2Servers?.keys() ?? []) {
    // Before grpc-js's own listener: a refused socket never reaches it.
    h.prependListener('connection', (socket: Socket) => {
      if (open.size >= limits.maxConnections) {
        observer.refused('max-connections');
        drop(socket);
        return;
      }
      open.add(socket);
      const key = remoteKey(socket);
      const timer = setTimeout(() => {
        observer.refused('handshake-timeout');
        drop(socket);
        sessions.get(key)?.destroy();
      }, limits.handshakeTimeoutMs);
      timer.unref();
      pending.set(key, timer);
      socket.once('close', () => {
        clearTimeout(timer);
        if (pending.get(key) === timer) pending.delete(key);
        sessions.delete(key);
        open.delete(socket);
      });
    });
    // The handshake is done when the client's SETTINGS arrive on the session of the socket.
    h.on('session', (session: http2.ServerHttp2Session) => {
      const sock = session.socket as Socket | undefined;
      if (sock === undefined) return;
      const key = remoteKey(sock);
      if (pending.has(key)) sessions.set(key, session);
      session.once('close', () => {
        if (sessions.get(key) === session) sessions.delete(key);
      });
      session.once('remoteSettings', () => {
        sessions.delete(key);
        const timer = pending.get(key);
        if (timer === undefined) return;
        clearTimeout(timer);
        pending.delete(key);
      });
    });
  }
  return { open: () => open.size };
}

/**
 * Closes a socket for good. Once HTTP/2 has taken a socket over, neither `destroy()` on it
 * nor on its session closes the TCP connection (measured on Node 20 and 24); a reset does.
 */
function drop(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function remoteKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
}

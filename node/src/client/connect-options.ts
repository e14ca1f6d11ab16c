import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { DataLimits } from '../data/index.js';

/** How to reach a broker-node. */
export interface ConnectOptions {
  /** `HOST:PORT` of the node's gRPC listener. */
  readonly server: string;
  /**
   * More nodes of the same cluster: a reconnecting subscription tries `server` and these in
   * turn (round robin) after its node went away.
   */
  readonly servers?: readonly string[];
  /** PEM files for TLS; with `cert` and `key` the client authenticates itself (mutual TLS). */
  readonly tls?: {
    readonly ca?: string;
    readonly cert?: string;
    readonly key?: string;
    readonly serverName?: string;
  };
  /** Largest gRPC message the client sends or receives (default 16 MiB, or more for `limits`). */
  readonly maxMessageBytes?: number;
  /**
   * The value limits the client encodes and decodes with (default: 64 levels, 16 MiB, the
   * data codec's defaults). Set them to the node's `--max-depth` and `--max-message-bytes`
   * to use a node up to its limits; the node still checks with its own.
   */
  readonly limits?: Partial<DataLimits>;
  /** Sent as `authorization: Bearer <token>` with admin calls (a node with --admin-token-file). */
  readonly adminToken?: string;
}

/** Channel credentials and options for {@link ConnectOptions}. */
export function channelSetup(o: ConnectOptions): {
  creds: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
} {
  const max =
    o.maxMessageBytes ?? Math.max(16 * 1024 * 1024, (o.limits?.maxBytes ?? 0) + 64 * 1024);
  const options: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    'grpc.keepalive_time_ms': 15_000,
    'grpc.keepalive_timeout_ms': 5_000,
  };
  if (o.tls === undefined) return { creds: grpc.credentials.createInsecure(), options };
  const read = (p: string | undefined): Buffer | null => (p === undefined ? null : readFileSync(p));
  if (o.tls.serverName !== undefined) options['grpc.ssl_target_name_override'] = o.tls.serverName;
  return {
    creds: grpc.credentials.createSsl(read(o.tls.ca), read(o.tls.key), read(o.tls.cert)),
    options,
  };
}

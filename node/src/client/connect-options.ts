import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { type DataLimits, MAX_DEPTH_CEILING } from '../data/index.js';

const MiB = 1024 * 1024;

/**
 * The client's default value limits: the largest any broker-node accepts (`--max-depth` up
 * to 512, `--max-message-bytes` up to 64 MiB), so the node the client talks to decides with
 * its own flags and refuses what is over them, naming the flag. Give `limits` to refuse
 * locally what this application never means to send or read.
 */
export const NODE_DECIDES_LIMITS: DataLimits = Object.freeze({
  maxDepth: MAX_DEPTH_CEILING,
  maxBytes: 64 * MiB,
});

/** Default gRPC message limit: a publish batch or a delivery as large as a node allows (256 MiB). */
const DEFAULT_MAX_MESSAGE_BYTES = 256 * MiB + 64 * 1024;

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
  /**
   * Largest gRPC message the client sends or receives (default 256 MiB and 64 KiB, the
   * largest `--max-batch-bytes` of a node; a bound, not an allocation).
   */
  readonly maxMessageBytes?: number;
  /**
   * The value limits the client encodes and decodes with. Default {@link NODE_DECIDES_LIMITS}:
   * the node's own `--max-depth` and `--max-message-bytes` decide. Lower them to refuse
   * values locally; missing fields take the data codec's defaults (64 levels, 16 MiB).
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
    o.maxMessageBytes ?? Math.max(DEFAULT_MAX_MESSAGE_BYTES, (o.limits?.maxBytes ?? 0) + 64 * 1024);
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

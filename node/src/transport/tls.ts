import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { TlsFiles } from '../config/index.js';
import { TlsConfigError } from './errors.js';

/** How a listener is secured; shown by `status`. */
export type SecurityMode = 'plaintext-loopback' | 'plaintext-insecure' | 'tls' | 'mtls';

/** Credentials for the listener and for dialing peers, re-read when the files change. */
export interface Credentials {
  readonly mode: SecurityMode;
  readonly server: grpc.ServerCredentials;
  readonly channel: grpc.ChannelCredentials;
  /** Stops watching the files. */
  close(): void;
}

function checkReadable(path: string, what: string): void {
  try {
    readFileSync(path);
  } catch (e) {
    throw new TlsConfigError(`${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Builds credentials. With TLS files, gRPC's file-watcher provider re-reads them every
 * `reloadMs`, so a renewed certificate (a Secret update) takes effect for new connections
 * without a restart. With a CA, clients must present a certificate it signed (mutual TLS);
 * peers are verified against the CA, or against the certificate itself when no CA is given
 * (a self-signed certificate shared by all peers).
 */
export function makeCredentials(
  tls: TlsFiles | undefined,
  insecure: boolean,
  loopback: boolean
): Credentials {
  if (tls === undefined) {
    return {
      mode: loopback && !insecure ? 'plaintext-loopback' : 'plaintext-insecure',
      server: grpc.ServerCredentials.createInsecure(),
      channel: grpc.credentials.createInsecure(),
      close: () => undefined,
    };
  }
  checkReadable(tls.cert, '--tls-cert');
  checkReadable(tls.key, '--tls-key');
  if (tls.ca !== undefined) checkReadable(tls.ca, '--tls-ca');
  const identity = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: tls.cert,
    privateKeyFile: tls.key,
    refreshIntervalMs: tls.reloadMs,
  });
  const ca = new grpc.experimental.FileWatcherCertificateProvider({
    caCertificateFile: tls.ca ?? tls.cert,
    refreshIntervalMs: tls.reloadMs,
  });
  // grpc-js names these parameters (ca, identity) but uses the first as the identity and the
  // second (nullable) as the CA that client certificates are checked against.
  const server = grpc.experimental.createCertificateProviderServerCredentials(
    identity,
    tls.ca !== undefined ? ca : null,
    tls.ca !== undefined
  );
  const channel = grpc.experimental.createCertificateProviderChannelCredentials(ca, identity);
  return {
    mode: tls.ca !== undefined ? 'mtls' : 'tls',
    server,
    channel,
    close: () => undefined,
  };
}

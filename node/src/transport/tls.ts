import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
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
  /**
   * Resolves once the certificate files were read (gRPC reads them asynchronously; a
   * connection before that would be reset). Rejects if they cannot be used.
   */
  ready(timeoutMs: number): Promise<void>;
  /** Stops watching the files. */
  close(): void;
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TlsConfigError(`${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Fails early, naming the files, when they are not PEM or the key does not fit the certificate. */
function checkUsable(tls: TlsFiles): void {
  const cert = readTlsFile(tls.cert, '--tls-cert');
  const key = readTlsFile(tls.key, '--tls-key');
  const ca = tls.ca !== undefined ? readTlsFile(tls.ca, '--tls-ca') : undefined;
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new TlsConfigError(
      `--tls-cert ${tls.cert} / --tls-key ${tls.key}: not a usable certificate and key (${(e as Error).message})`,
      { cause: e }
    );
  }
  if (ca !== undefined) {
    try {
      createSecureContext({ ca });
      if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----'))
        throw new Error('no PEM certificate in it');
    } catch (e) {
      throw new TlsConfigError(
        `--tls-ca ${tls.ca}: not a usable CA certificate (${(e as Error).message})`,
        { cause: e }
      );
    }
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
      ready: () => Promise.resolve(),
      close: () => undefined,
    };
  }
  checkUsable(tls);
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
  // Our own listeners stay attached for the life of the node: the provider forgets what it
  // read when its last listener goes, and the server must find the files already loaded.
  let identityOk: (ok: boolean) => void = () => undefined;
  let caOk: (ok: boolean) => void = () => undefined;
  const identityLoaded = new Promise<boolean>((r) => (identityOk = r));
  const caLoaded = new Promise<boolean>((r) => (caOk = r));
  const onIdentity = (u: unknown): void => identityOk(u !== null);
  const onCa = (u: unknown): void => caOk(u !== null);
  identity.addIdentityCertificateListener(onIdentity);
  ca.addCaCertificateListener(onCa);
  return {
    mode: tls.ca !== undefined ? 'mtls' : 'tls',
    server,
    channel,
    async ready(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>(
        (r) => (timer = setTimeout(() => r('timeout'), timeoutMs))
      );
      const result = await Promise.race([Promise.all([identityLoaded, caLoaded]), timeout]);
      clearTimeout(timer);
      if (result === 'timeout')
        throw new TlsConfigError(`TLS files were not loaded within ${timeoutMs} ms`);
      if (!result[0])
        throw new TlsConfigError(
          `--tls-cert ${tls.cert} / --tls-key ${tls.key}: not a usable certificate and key`
        );
      if (!result[1])
        throw new TlsConfigError(`--tls-ca ${tls.ca ?? tls.cert}: not a usable CA certificate`);
    },
    close: () => {
      identity.removeIdentityCertificateListener(onIdentity);
      ca.removeCaCertificateListener(onCa);
    },
  };
}

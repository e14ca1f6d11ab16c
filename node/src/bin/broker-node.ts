/**
 * broker-node: one peer of the pub/sub mesh. Flags and environment variables: `--help`.
 * Prints one JSON line `{"event":"listening",...}` on stdout once it serves; logs go to stderr.
 * Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a runtime failure, 2 on bad flags.
 */
import {
  ConfigError,
  NODE_FLAGS,
  formatHelp,
  formatHostPort,
  jsonLogger,
  loadNodeConfig,
} from '../config/index.js';
import * as grpc from '@grpc/grpc-js';
import { BrokerNode, ListenError } from '../server/index.js';
import { TlsConfigError } from '../transport/index.js';

const USAGE =
  'usage: broker-node --id ID [--listen HOST:PORT] [--http HOST:PORT] [--peers id=HOST:PORT,... | --peers-dns NAME] [flags]';

async function main(): Promise<number> {
  let config;
  try {
    const c = loadNodeConfig(process.argv.slice(2), process.env);
    if (c === 'help') {
      process.stdout.write(formatHelp(USAGE, NODE_FLAGS) + '\n');
      return 0;
    }
    config = c;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(
        `broker-node: ${e.message}\n${USAGE}\n(run broker-node --help for every flag)\n`
      );
      return 2;
    }
    throw e;
  }
  const log = jsonLogger(config.id, config.logLevel);
  // gRPC's own log lines are not JSON and repeat what we report ourselves (a failed bind):
  // they go into our log at debug level.
  const grpcLine = (...args: unknown[]): void =>
    log.log('debug', 'grpc', { message: args.map(String).join(' ') });
  grpc.setLogger({ error: grpcLine, info: grpcLine, debug: grpcLine });
  // A stray rejected promise is a bug to log, not a reason to drop every connection.
  process.on('unhandledRejection', (reason) => {
    log.log('error', 'unhandled promise rejection', {
      error: (reason as Error)?.stack ?? String(reason),
    });
  });
  let node: BrokerNode;
  try {
    node = new BrokerNode(config, log);
    const bound = await node.start();
    process.stdout.write(
      JSON.stringify({
        event: 'listening',
        id: config.id,
        grpc: formatHostPort(bound.grpc),
        http: bound.http !== undefined ? formatHostPort(bound.http) : null,
        security: node.status().security,
        pid: process.pid,
      }) + '\n'
    );
    log.log('info', 'broker-node started', {
      grpc: formatHostPort(bound.grpc),
      peers: config.peers.length,
    });
  } catch (e) {
    // A configuration problem found at start is one plain line, like a bad flag.
    if (e instanceof TlsConfigError || e instanceof ListenError) {
      process.stderr.write(`broker-node: ${e.message}\n`);
      return 2;
    }
    log.log('error', 'startup failed', { error: (e as Error).message });
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.log('info', 'shutting down', { signal });
      const safety = setTimeout(() => {
        log.log('error', 'shutdown exceeded its bound; exiting');
        resolve(1);
      }, config.shutdownTimeoutMs + 2000);
      safety.unref();
      node
        .stop()
        .then(() => {
          clearTimeout(safety);
          log.log('info', 'stopped cleanly');
          resolve(0);
        })
        .catch((e: unknown) => {
          log.log('error', 'shutdown failed', { error: (e as Error).message });
          resolve(1);
        });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`broker-node: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  }
);

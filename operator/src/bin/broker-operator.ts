#!/usr/bin/env node
/** broker-operator: reconciles BrokerCluster resources (docs/operator.md). */
import os from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { Operator } from '../operator.js';
import { ConfigError, parseOperatorArgs, USAGE } from '../operator-config.js';
import { startHealthServer } from '../server/index.js';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} broker-operator: ${message}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config;
  try {
    config = parseOperatorArgs(argv, process.env, os.hostname());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`broker-operator: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  const kc = new KubeConfig();
  if (config.kubeconfig !== undefined) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  let shuttingDown = false;
  const op: Operator = new Operator(kc, config, log, () => {
    log('the Lease was lost: exiting so that only the holder acts');
    void shutdown(1);
  });
  const server = await startHealthServer(config.http.host, config.http.port, op.metrics, {
    healthy: () => op.healthy(),
    ready: () => op.ready(),
  });
  async function shutdown(code: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    const hard = setTimeout(() => process.exit(code), 20_000);
    hard.unref();
    await op.stop().catch((err: unknown) => log(`stop failed: ${String(err)}`));
    await server.close();
    process.exit(code);
  }
  log(
    `http on ${config.http.host}:${server.port}; watching ${config.watchNamespace ?? 'every namespace'}; identity ${config.identity}`
  );
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  await op.start();
}

main().catch((err: unknown) => {
  log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

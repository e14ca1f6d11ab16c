/** brokerctl: publish, subscribe and inspect a broker-node from the shell. `brokerctl --help`. */
import { runBrokerctl } from '../cli/index.js';

const interrupt = new AbortController();
process.on('SIGINT', () => interrupt.abort());
process.on('SIGTERM', () => interrupt.abort());
// A closed stdout (`brokerctl sub | head`) is a normal way to stop.
process.stdout.on('error', () => interrupt.abort());

runBrokerctl(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  interrupt: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain, then leave even if a channel still holds the loop.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (e: unknown) => {
    process.stderr.write(`brokerctl: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  }
);

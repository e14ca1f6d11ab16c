import { createInterface } from 'node:readline';
import { type BrokerClient, BrokerClientError, connect } from '../client/index.js';
import { ConfigError, type FlagSpec, formatHelp, parseFlags } from '../config/index.js';
import {
  type Data,
  DataJsonError,
  DataValueError,
  decodeData,
  fromJsonText,
  toJsonText,
} from '../data/index.js';
import { validateTopic } from '../pubsub/index.js';
import { CliError, EXIT } from './exit-codes.js';
import { peersJson, peersTable, statusJson, statusText } from './output.js';
import {
  CLUSTER_FLAGS,
  CLUSTER_USAGE,
  checkClusterFlags,
  runClusterCommand,
} from './cluster-commands.js';
import {
  STORE_FLAGS,
  STORE_USAGE,
  checkStoreFlags,
  runStoreCommand,
  runStores,
} from './store-commands.js';

/** Where brokerctl writes; injectable so it can run in-process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: `sub` then ends normally. */
  readonly interrupt: AbortSignal;
}

export const USAGE = `usage: brokerctl [--server HOST:PORT] [--output text|json] COMMAND ...
commands:
  pub TOPIC [JSON...]   publish values in Broker's JSON form ({"@data-type":"count","data":1});
                        without JSON arguments, one value per line from stdin
  sub TOPIC...          print each message as one JSON object per line until interrupted or --count
  status                the node's status
  peers                 the node's peers
${STORE_USAGE}
${CLUSTER_USAGE}
exit codes: 0 ok, 1 refused by the node, 2 bad usage or input, 3 node unreachable, 4 subscription ended by the node,
  5 outcome unknown (a write that may or may not have taken effect)`;

export const CTL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'server',
    kind: 'string',
    env: 'BROKER_SERVER',
    default: '127.0.0.1:7400',
    help: 'broker-node gRPC address',
  },
  {
    name: 'output',
    kind: 'string',
    env: 'BROKERCTL_OUTPUT',
    choices: ['text', 'json'],
    default: 'text',
    help: 'output format of status and peers',
  },
  {
    name: 'timeout-ms',
    kind: 'int',
    min: 1,
    max: 3_600_000,
    default: '10000',
    help: 'deadline of each call (of sub: of its confirmation only)',
  },
  {
    name: 'count',
    kind: 'int',
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    help: 'sub: exit 0 after this many messages',
  },
  {
    name: 'overflow-policy',
    kind: 'string',
    choices: ['block', 'drop-oldest', 'disconnect'],
    help: 'sub: what the node does when we fall behind',
  },
  {
    name: 'queue',
    kind: 'int',
    min: 1,
    max: 10_000_000,
    help: 'sub: queue capacity in events at the node',
  },
  {
    name: 'tls-ca',
    kind: 'string',
    env: 'BROKER_TLS_CA',
    help: 'PEM CA bundle to verify the node',
  },
  {
    name: 'tls-cert',
    kind: 'string',
    env: 'BROKER_TLS_CERT',
    help: 'PEM client certificate (mutual TLS)',
  },
  { name: 'tls-key', kind: 'string', env: 'BROKER_TLS_KEY', help: 'PEM key of --tls-cert' },
  {
    name: 'tls-server-name',
    kind: 'string',
    help: 'name to verify in the node certificate instead of the host',
  },
  ...STORE_FLAGS,
  ...CLUSTER_FLAGS,
];

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof BrokerClientError) {
    const code =
      e.code === UNAVAILABLE || e.code === DEADLINE_EXCEEDED ? EXIT.unavailable : EXIT.failed;
    return new CliError(e.message, code, { cause: e });
  }
  if (e instanceof DataJsonError || e instanceof DataValueError)
    return new CliError(e.message, EXIT.usage, { cause: e });
  return new CliError((e as Error)?.message ?? String(e), EXIT.failed, { cause: e });
}

/** Runs brokerctl with `argv` (without the program name); resolves with the exit code. */
export async function runBrokerctl(argv: readonly string[], io: CliIo): Promise<number> {
  let client: BrokerClient | undefined;
  try {
    let parsed;
    try {
      parsed = parseFlags(CTL_FLAGS, argv, io.env, { allowPositionals: true });
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(`${e.message}\n${USAGE}`, EXIT.usage);
      throw e;
    }
    if (parsed.help) {
      io.stdout.write(formatHelp(USAGE, CTL_FLAGS) + '\n');
      return EXIT.ok;
    }
    const v = parsed.values;
    const [command, ...args] = parsed.positionals;
    if (command === undefined) throw new CliError(`no command given\n${USAGE}`, EXIT.usage);
    const watching = command === 'store' && args[0] === 'watch';
    for (const f of ['count', 'overflow-policy', 'queue']) {
      if (v.has(f) && command !== 'sub' && !(f === 'count' && watching))
        throw new CliError(
          `--${f} applies to sub${f === 'count' ? ' and store watch' : ''} only`,
          EXIT.usage
        );
    }
    checkStoreFlags(command, args[0], v);
    checkClusterFlags(command, args[0], v);
    const ca = v.get('tls-ca') as string | undefined;
    const cert = v.get('tls-cert') as string | undefined;
    const key = v.get('tls-key') as string | undefined;
    const serverName = v.get('tls-server-name') as string | undefined;
    if ((cert === undefined) !== (key === undefined))
      throw new CliError('--tls-cert and --tls-key go together', EXIT.usage);
    const tls =
      ca !== undefined || cert !== undefined
        ? {
            ...(ca !== undefined ? { ca } : {}),
            ...(cert !== undefined ? { cert } : {}),
            ...(key !== undefined ? { key } : {}),
            ...(serverName !== undefined ? { serverName } : {}),
          }
        : undefined;
    const timeoutMs = v.get('timeout-ms') as number;
    const json = v.get('output') === 'json';
    const server = v.get('server') as string;
    const makeClient = (): BrokerClient =>
      (client = connect({ server, ...(tls !== undefined ? { tls } : {}) }));
    switch (command) {
      case 'status':
      case 'peers': {
        if (args.length > 0) throw new CliError(`${command} takes no arguments`, EXIT.usage);
        const s = await makeClient().status(timeoutMs);
        const out =
          command === 'status'
            ? json
              ? JSON.stringify(statusJson(s))
              : statusText(s)
            : json
              ? JSON.stringify(peersJson(s))
              : peersTable(s);
        io.stdout.write(out + '\n');
        return EXIT.ok;
      }
      case 'pub':
        return await pub(makeClient(), args, io, timeoutMs);
      case 'sub': {
        const opts = {
          ...(v.has('overflow-policy')
            ? { overflowPolicy: v.get('overflow-policy') as 'block' }
            : {}),
          ...(v.has('queue') ? { queueCapacity: v.get('queue') as number } : {}),
        };
        return await sub(
          makeClient(),
          args,
          io,
          v.get('count') as number | undefined,
          opts,
          timeoutMs
        );
      }
      case 'store':
      case 'stores':
      case 'cluster': {
        const ctx = { ...io, json, timeoutMs, values: v };
        if (command === 'stores') return await runStores(makeClient(), args, ctx);
        if (command === 'store') return await runStoreCommand(makeClient(), args, ctx);
        return await runClusterCommand(makeClient(), args, ctx);
      }
      default:
        throw new CliError(`unknown command ${JSON.stringify(command)}\n${USAGE}`, EXIT.usage);
    }
  } catch (e) {
    const err = toCliError(e);
    io.stderr.write(`brokerctl: ${err.message}\n`);
    return err.exitCode;
  } finally {
    client?.close();
  }
}

function checkTopic(t: string): void {
  try {
    validateTopic(t);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.usage);
  }
}

async function pub(
  client: BrokerClient,
  args: readonly string[],
  io: CliIo,
  timeoutMs: number
): Promise<number> {
  const [topic, ...values] = args;
  if (topic === undefined) throw new CliError('pub needs a TOPIC', EXIT.usage);
  checkTopic(topic);
  const parse = (text: string, where: string): Data => {
    try {
      return fromJsonText(text);
    } catch (e) {
      throw new CliError(`${where}: ${(e as Error).message}`, EXIT.usage, { cause: e });
    }
  };
  let accepted = 0;
  if (values.length > 0) {
    const list = values.map((t, i) => parse(t, `argument ${i + 1}`));
    accepted = await client.publish(topic, list, timeoutMs);
  } else {
    const lines = createInterface({ input: io.stdin });
    let batch: Data[] = [];
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      batch.push(parse(line, `stdin line ${n}`));
      if (batch.length >= 1000) {
        accepted += await client.publish(topic, batch, timeoutMs);
        batch = [];
      }
    }
    if (batch.length > 0) accepted += await client.publish(topic, batch, timeoutMs);
  }
  io.stderr.write(`published ${accepted} message${accepted === 1 ? '' : 's'} to ${topic}\n`);
  return EXIT.ok;
}

async function sub(
  client: BrokerClient,
  topics: readonly string[],
  io: CliIo,
  count: number | undefined,
  opts: { overflowPolicy?: 'block'; queueCapacity?: number },
  confirmTimeoutMs: number
): Promise<number> {
  if (topics.length === 0) throw new CliError('sub needs at least one TOPIC', EXIT.usage);
  for (const t of topics) checkTopic(t);
  const subscription = client.subscribe(topics, opts);
  const onInterrupt = (): void => subscription.close();
  io.interrupt.addEventListener('abort', onInterrupt, { once: true });
  let seen = 0;
  let dropped = 0;
  let confirmed = false;
  try {
    // Only the confirmation has a deadline: a sub then runs as long as messages come.
    let timer: NodeJS.Timeout | undefined;
    const unconfirmed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected before close(), which ends ready() with a less telling error.
        reject(
          new CliError(
            `the node did not confirm the subscription within ${confirmTimeoutMs} ms (--timeout-ms)`,
            EXIT.unavailable
          )
        );
        subscription.close();
      }, confirmTimeoutMs);
    });
    try {
      await Promise.race([subscription.ready(), unconfirmed]);
    } finally {
      clearTimeout(timer);
    }
    confirmed = true;
    for await (const m of subscription.raw()) {
      let value: Data;
      try {
        value = decodeData(m.bytes);
      } catch (e) {
        io.stderr.write(`brokerctl: undecodable message on ${m.topic}: ${(e as Error).message}\n`);
        continue;
      }
      io.stdout.write(
        `{"type":"data-message","topic":${JSON.stringify(m.topic)},${toJsonText(value).slice(1)}\n`
      );
      if (subscription.droppedTotal > dropped) {
        io.stderr.write(
          `brokerctl: the node dropped ${subscription.droppedTotal - dropped} messages (slow reader)\n`
        );
        dropped = subscription.droppedTotal;
      }
      if (count !== undefined && ++seen >= count) {
        subscription.close();
        return EXIT.ok;
      }
    }
  } catch (e) {
    // Once confirmed, any end the node causes (overflow policy, shutdown) is exit 4.
    const err = toCliError(e);
    throw confirmed ? new CliError(err.message, EXIT.subscriptionEnded, { cause: e }) : err;
  } finally {
    io.interrupt.removeEventListener('abort', onInterrupt);
  }
  if (io.interrupt.aborted) return EXIT.ok;
  throw new CliError('the node ended the subscription', EXIT.subscriptionEnded);
}

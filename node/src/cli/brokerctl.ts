import { readFileSync } from 'node:fs';
import {
  type BrokerClient,
  BrokerClientError,
  type PoolMembershipEvent,
  type PublishOptions,
  NODE_DECIDES_LIMITS,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionStatus,
  connect,
} from '../client/index.js';
import {
  ConfigError,
  type FlagSpec,
  formatHelp,
  parseFlags,
  parseHostPort,
} from '../config/index.js';
import {
  BinaryDecoder,
  type Data,
  DataJsonError,
  type DataLimits,
  DataValueError,
  MAX_DEPTH_CEILING,
  fromJsonText,
  toJsonText,
} from '../data/index.js';
import { canonicalPrefix, validatePoolName, validateTopic } from '../pubsub/index.js';
import { VERSION } from '../server/version.js';
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
       brokerctl COMMAND --help    the flags of one command;  brokerctl --version
commands:
  pub TOPIC [JSON...]   publish values in Broker's JSON form ({"@data-type":"count","data":1});
                        without JSON arguments, one value per line from stdin
  sub TOPIC...          print each message as one JSON object per line until interrupted or --count;
                        --control: "sub TOPIC..." / "unsub TOPIC..." lines on stdin change the filter
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
    help: 'broker-node gRPC address HOST:PORT; sub --reconnect tries a comma-separated list in turn',
  },
  {
    name: 'output',
    kind: 'string',
    env: 'BROKERCTL_OUTPUT',
    choices: ['text', 'json'],
    default: 'text',
    help: 'output format of every command (text for people, json for programs)',
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
    name: 'reconnect',
    kind: 'bool',
    help: 'sub: when the node goes away, resubscribe by itself (capped backoff, the --server list in turn)',
  },
  {
    name: 'queue',
    kind: 'int',
    min: 1,
    max: 10_000_000,
    help: 'sub: queue capacity in events at the node',
  },
  // Pools (docs/pools.md).
  {
    name: 'pool',
    kind: 'string',
    help: 'sub: join this pool (prints its membership events too); pub: also deliver each value to one member of it',
  },
  {
    name: 'key',
    kind: 'string',
    help: 'pub --pool: the key that picks the member (its UTF-8 bytes); without it members take turns',
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
  {
    name: 'admin-token-file',
    kind: 'string',
    env: 'BROKERCTL_ADMIN_TOKEN_FILE',
    help: "file with the cluster's admin token (the node's --admin-token-file), for cluster commands that change it",
  },
  ...STORE_FLAGS,
  ...CLUSTER_FLAGS,
  // The node's limits are its own flags. By default brokerctl goes as far as any node does
  // (the client library's NODE_DECIDES_LIMITS), so the node it talks to decides; these
  // flags lower that to refuse values before sending them.
  {
    name: 'max-depth',
    kind: 'int',
    env: 'BROKERCTL_MAX_DEPTH',
    min: 1,
    max: MAX_DEPTH_CEILING,
    default: String(NODE_DECIDES_LIMITS.maxDepth),
    help: "deepest nesting of a value brokerctl parses, encodes and decodes (default: the most any node allows, so the node's --max-depth decides)",
  },
  {
    name: 'max-message-bytes',
    kind: 'int',
    env: 'BROKERCTL_MAX_MESSAGE_BYTES',
    min: 16,
    max: 256 * 1024 * 1024,
    default: String(NODE_DECIDES_LIMITS.maxBytes),
    help: "largest value brokerctl encodes and decodes (default: the most any node allows, so the node's --max-message-bytes decides)",
  },
  // -- sub --control (unsubscribe on the open stream) --
  {
    name: 'control',
    kind: 'bool',
    help: 'sub: read "sub TOPIC..." and "unsub TOPIC..." lines from stdin and change the filter on the open stream',
  },
];

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** The flags each command takes besides the global ones; `COMMAND --help` lists them. */
const COMMAND_HELP: Record<string, { usage: string; flags: readonly string[] }> = {
  pub: {
    usage:
      'usage: brokerctl pub TOPIC [JSON...]\n  publishes each JSON argument, or without any, one value per line from stdin',
    flags: ['pool', 'key'],
  },
  sub: {
    usage:
      'usage: brokerctl sub TOPIC... [--control]\n  prints each message as one JSON line; "" subscribes to every topic;\n  with --control, stdin lines "sub TOPIC..." / "unsub TOPIC..." change the filter',
    flags: ['count', 'overflow-policy', 'queue', 'reconnect', 'pool', 'control'],
  },
  status: { usage: "usage: brokerctl status\n  the node's status", flags: [] },
  peers: { usage: "usage: brokerctl peers\n  the node's peers", flags: [] },
};
const GLOBAL_FLAGS = [
  'max-depth',
  'max-message-bytes',
  'server',
  'output',
  'timeout-ms',
  'tls-ca',
  'tls-cert',
  'tls-key',
  'tls-server-name',
  'admin-token-file',
];

/**
 * Why the node could not be reached, in a few words: gRPC's text ("No connection
 * established. Last error: Error: connect ECONNREFUSED ... Resolution note: ") is long.
 */
function unreachableReason(message: string): string {
  const known: Array<[RegExp, string]> = [
    [/ECONNREFUSED/, 'connection refused (is broker-node running there?)'],
    [/ENOTFOUND|EAI_AGAIN|Name resolution failed/, 'host name does not resolve'],
    [/ETIMEDOUT|Deadline exceeded|deadline/i, 'no answer in time (--timeout-ms)'],
    [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
    [/ECONNRESET|Connection dropped|socket hang up/, 'the connection was dropped'],
    [
      /certificate|SSL|TLS|handshake/i,
      'TLS handshake failed (check --tls-ca, --tls-cert, --tls-key)',
    ],
  ];
  for (const [re, text] of known) if (re.test(message)) return text;
  return message.replace(/\s*Resolution note:\s*$/, '');
}

/** Control characters (from input echoed in an error) shown as escapes, one line per message. */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) =>
    c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}

function toCliError(e: unknown, server?: string): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof BrokerClientError) {
    if (e.code === UNAVAILABLE || e.code === DEADLINE_EXCEEDED) {
      const what = e.message.slice(0, Math.max(0, e.message.indexOf(':')));
      return new CliError(
        `${what !== '' ? what + ': ' : ''}cannot reach ${server ?? 'the node'}: ${unreachableReason(e.message)}`,
        EXIT.unavailable,
        { cause: e }
      );
    }
    return new CliError(e.message, EXIT.failed, { cause: e });
  }
  if (e instanceof DataJsonError || e instanceof DataValueError)
    return new CliError(e.message, EXIT.usage, { cause: e });
  return new CliError((e as Error)?.message ?? String(e), EXIT.failed, { cause: e });
}

/** Runs brokerctl with `argv` (without the program name); resolves with the exit code. */
export async function runBrokerctl(argv: readonly string[], io: CliIo): Promise<number> {
  let client: BrokerClient | undefined;
  let server: string | undefined;
  try {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
      io.stdout.write(`brokerctl ${VERSION}\n`);
      return EXIT.ok;
    }
    let parsed;
    try {
      parsed = parseFlags(CTL_FLAGS, argv, io.env, { allowPositionals: true });
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(`${e.message}\n${USAGE}`, EXIT.usage);
      throw e;
    }
    const v = parsed.values;
    const [command, ...args] = parsed.positionals;
    if (parsed.help) {
      const one = command !== undefined ? COMMAND_HELP[command] : undefined;
      if (one !== undefined) {
        const names = new Set([...one.flags, ...GLOBAL_FLAGS]);
        const specs = CTL_FLAGS.filter((f) => names.has(f.name));
        io.stdout.write(formatHelp(one.usage, specs) + '\n');
      } else io.stdout.write(formatHelp(USAGE, CTL_FLAGS) + '\n');
      return EXIT.ok;
    }
    if (command === undefined) throw new CliError(`no command given\n${USAGE}`, EXIT.usage);
    const watching = command === 'store' && args[0] === 'watch';
    for (const f of ['count', 'overflow-policy', 'queue', 'reconnect', 'control']) {
      if (v.has(f) && command !== 'sub' && !(f === 'count' && watching))
        throw new CliError(
          `--${f} applies to sub${f === 'count' ? ' and store watch' : ''} only`,
          EXIT.usage
        );
    }
    checkPoolFlags(command, v);
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
    const serverList = (v.get('server') as string)
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    try {
      if (serverList.length === 0) throw new ConfigError('--server: no address given');
      for (const x of serverList) parseHostPort(x, '--server');
    } catch (e) {
      throw new CliError((e as Error).message, EXIT.usage, { cause: e });
    }
    if (serverList.length > 1 && !(command === 'sub' && v.get('reconnect') === true))
      throw new CliError('--server: a list of nodes needs sub --reconnect', EXIT.usage);
    server = serverList[0] as string;
    const target = server;
    const others = serverList.slice(1);
    const limits = {
      maxDepth: v.get('max-depth') as number,
      maxBytes: v.get('max-message-bytes') as number,
    };
    const tokenFile = v.get('admin-token-file') as string | undefined;
    let adminToken: string | undefined;
    if (tokenFile !== undefined) {
      try {
        adminToken = readFileSync(tokenFile, 'utf8').replace(/[\r\n]+$/, '');
      } catch (e) {
        throw new CliError(`--admin-token-file ${tokenFile}: ${(e as Error).message}`, EXIT.usage);
      }
    }
    const makeClient = (): BrokerClient =>
      (client = connect({
        server: target,
        servers: others,
        limits,
        ...(tls !== undefined ? { tls } : {}),
        ...(adminToken !== undefined ? { adminToken } : {}),
      }));
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
        return await pub(makeClient(), args, io, poolPublishOptions(v, timeoutMs), json, limits);
      case 'sub': {
        const opts = {
          ...(v.has('overflow-policy')
            ? { overflowPolicy: v.get('overflow-policy') as 'block' }
            : {}),
          ...(v.has('queue') ? { queueCapacity: v.get('queue') as number } : {}),
          ...poolSubscribeOptions(v, io),
          ...(v.get('control') === true ? { changeable: true } : {}),
          ...(v.get('reconnect') === true
            ? {
                reconnect: true,
                onStatus: (st: SubscriptionStatus): void => {
                  const why =
                    st.error !== undefined ? `: ${unreachableReason(st.error.message)}` : '';
                  io.stderr.write(
                    `brokerctl: ${st.state} ${st.state === 'disconnected' ? 'from' : 'to'} ${st.server}${st.attempt > 0 ? ` (attempt ${st.attempt})` : ''}${why}\n`
                  );
                },
              }
            : {}),
        };
        return await sub(
          makeClient(),
          args,
          io,
          v.get('count') as number | undefined,
          opts,
          timeoutMs,
          limits,
          v.get('control') === true ? { json } : undefined
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
    const err = toCliError(e, server);
    io.stderr.write(`brokerctl: ${escapeControls(err.message)}\n`);
    return err.exitCode;
  } finally {
    client?.close();
  }
}

// Pools (docs/pools.md): --pool on pub and sub, --key on pub.

function checkPoolFlags(command: string, v: ReadonlyMap<string, unknown>): void {
  if (v.has('pool') && command !== 'pub' && command !== 'sub')
    throw new CliError('--pool applies to pub and sub only', EXIT.usage);
  if (v.has('key') && !(command === 'pub' && v.has('pool')))
    throw new CliError('--key applies to pub --pool only', EXIT.usage);
  const pool = v.get('pool') as string | undefined;
  if (pool !== undefined) {
    try {
      validatePoolName(pool);
    } catch (e) {
      throw new CliError(`--pool: ${(e as Error).message}`, EXIT.usage, { cause: e });
    }
  }
  const key = v.get('key') as string | undefined;
  if (key !== undefined && (key === '' || key.includes('\ufffd')))
    throw new CliError('--key: empty or not valid UTF-8', EXIT.usage);
}

function poolPublishOptions(v: ReadonlyMap<string, unknown>, timeoutMs: number): PublishOptions {
  const pool = v.get('pool') as string | undefined;
  const key = v.get('key') as string | undefined;
  return {
    timeoutMs,
    ...(pool !== undefined ? { pool } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}

/** A pool member prints every membership event as a JSON line among the messages. */
function poolSubscribeOptions(v: ReadonlyMap<string, unknown>, io: CliIo): SubscribeOptions {
  const pool = v.get('pool') as string | undefined;
  if (pool === undefined) return {};
  return {
    pool,
    onMembership: (e: PoolMembershipEvent) =>
      io.stdout.write(
        JSON.stringify({
          type: 'pool-membership',
          pool: e.pool,
          member: e.member,
          joined: e.joined,
          left: e.left,
          members: e.members,
        }) + '\n'
      ),
  };
}

function checkTopic(t: string, kind: 'topic' | 'prefix'): void {
  // Node turns invalid UTF-8 in an argument into U+FFFD before we see it: refuse that rather
  // than publish to a topic nobody typed.
  if (t.includes('\ufffd'))
    throw new CliError(
      `invalid topic ${JSON.stringify(t)}: contains U+FFFD (the argument is not valid UTF-8?)`,
      EXIT.usage
    );
  try {
    if (kind === 'topic') validateTopic(t);
    else canonicalPrefix(t);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.usage, { cause: e });
  }
}

async function pub(
  client: BrokerClient,
  args: readonly string[],
  io: CliIo,
  publishOptions: PublishOptions,
  json: boolean,
  limits: DataLimits
): Promise<number> {
  const [topic, ...values] = args;
  if (topic === undefined) throw new CliError('pub needs a TOPIC', EXIT.usage);
  checkTopic(topic, 'topic');
  const parse = (text: string, where: string): Data => {
    try {
      return fromJsonText(text, limits);
    } catch (e) {
      const msg = (e as Error).message;
      // The codec names its own option; the user can only change brokerctl's flag.
      const hint = /maxDepth/.test(msg)
        ? ' (brokerctl --max-depth)'
        : /maxBytes/.test(msg)
          ? ' (brokerctl --max-message-bytes)'
          : '';
      throw new CliError(`${where}: ${msg}${hint}`, EXIT.usage, { cause: e });
    }
  };
  let accepted = 0;
  if (values.length > 0) {
    values.forEach((t, i) => {
      if (t.includes('\ufffd'))
        throw new CliError(
          `argument ${i + 1}: contains U+FFFD (not valid UTF-8?); write \\ufffd if you mean it`,
          EXIT.usage
        );
    });
    const list = values.map((t, i) => parse(t, `argument ${i + 1}`));
    accepted = await client.publish(topic, list, publishOptions);
  } else {
    // Someone typing `brokerctl pub TOPIC` at a terminal sees why nothing happens.
    if ((io.stdin as { isTTY?: boolean }).isTTY === true)
      io.stderr.write(
        'brokerctl: reading values from stdin, one JSON value per line; end with Ctrl-D\n'
      );
    let batch: Data[] = [];
    let n = 0;
    for await (const line of utf8Lines(io.stdin)) {
      n++;
      if (line === undefined)
        throw new CliError(
          `stdin line ${n}: not valid UTF-8 (JSON text is; write a string of other bytes as {"@data-type":"string","data":{"base64":"..."}})`,
          EXIT.usage
        );
      if (line.trim() === '') continue;
      batch.push(parse(line, `stdin line ${n}`));
      if (batch.length >= 1000) {
        accepted += await client.publish(topic, batch, publishOptions);
        batch = [];
      }
    }
    if (batch.length > 0) accepted += await client.publish(topic, batch, publishOptions);
  }
  if (json) io.stdout.write(JSON.stringify({ published: accepted, topic }) + '\n');
  else io.stderr.write(`published ${accepted} message${accepted === 1 ? '' : 's'} to ${topic}\n`);
  return EXIT.ok;
}

/** Longest stdin line accepted, in bytes: a bound on what one line may hold in memory. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;

/**
 * Lines of `input`, decoded strictly: a line that is not valid UTF-8 is `undefined` (readline
 * would replace the bad bytes with U+FFFD and publish a string nobody wrote).
 */
async function* utf8Lines(input: NodeJS.ReadableStream): AsyncGenerator<string | undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const finish = (tail: Buffer): string | undefined => {
    const all = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    const end = all.length > 0 && all[all.length - 1] === 0x0d ? all.length - 1 : all.length;
    try {
      return decoder.decode(all.subarray(0, end));
    } catch {
      return undefined;
    }
  };
  for await (const chunk of input) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      yield finish(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > 0) {
      pendingBytes += buf.length;
      if (pendingBytes > MAX_LINE_BYTES)
        throw new CliError(`stdin: a line longer than ${MAX_LINE_BYTES} bytes`, EXIT.usage);
      pending.push(buf);
    }
  }
  if (pendingBytes > 0) yield finish(Buffer.alloc(0));
}

async function sub(
  client: BrokerClient,
  topics: readonly string[],
  io: CliIo,
  count: number | undefined,
  opts: SubscribeOptions,
  confirmTimeoutMs: number,
  limits: DataLimits,
  control?: { json: boolean }
): Promise<number> {
  const decoder = new BinaryDecoder(limits);
  if (topics.length === 0) throw new CliError('sub needs at least one TOPIC', EXIT.usage);
  for (const t of topics) checkTopic(t, 'prefix');
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
    if (control !== undefined) void readControl(subscription, io, control.json);
    for await (const m of subscription.raw()) {
      let value: Data;
      try {
        value = decoder.decode(m.bytes);
      } catch (e) {
        io.stderr.write(`brokerctl: undecodable message on ${m.topic}: ${(e as Error).message}\n`);
        continue;
      }
      io.stdout.write(
        `{"type":"data-message","topic":${JSON.stringify(m.topic)},${toJsonText(value, limits).slice(1)}\n`
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
    // Once confirmed, any end the node causes (overflow policy, shutdown) is exit 4; a lost
    // connection (the node was killed, the network broke) says so rather than that the node
    // ended it.
    const err = toCliError(e);
    if (!confirmed) throw err;
    const lost =
      e instanceof BrokerClientError && e.code === UNAVAILABLE && !/shutting down/.test(e.message);
    throw new CliError(
      lost ? `lost the connection to the node: ${unreachableReason(e.message)}` : err.message,
      EXIT.subscriptionEnded,
      { cause: e }
    );
  } finally {
    io.interrupt.removeEventListener('abort', onInterrupt);
  }
  if (io.interrupt.aborted) return EXIT.ok;
  throw new CliError('the node ended the subscription', EXIT.subscriptionEnded);
}

// -- sub --control: Broker's subscribe/unsubscribe on the open (bidirectional) stream --

/**
 * Reads `sub TOPIC...` / `unsub TOPIC...` lines from stdin and changes the filter on the
 * subscription's stream; reports each filter the node confirms (stderr, or a
 * `{"type":"filter"}` line on stdout with --output json). A bad line is reported and skipped:
 * the subscription goes on. The end of stdin leaves the filter as it is.
 */
async function readControl(subscription: Subscription, io: CliIo, json: boolean): Promise<void> {
  let n = 0;
  try {
    for await (const line of utf8Lines(io.stdin)) {
      n++;
      const words =
        line
          ?.trim()
          .split(/\s+/)
          .filter((w) => w !== '') ?? [];
      const [verb, ...topics] = words;
      if (line === undefined || verb === undefined) {
        if (line === undefined) io.stderr.write(`brokerctl: control line ${n}: not valid UTF-8\n`);
        continue;
      }
      try {
        // The empty prefix (every topic) is written "" or /.
        const prefixes = topics.map((t) => (t === '""' ? '' : t));
        for (const t of prefixes) checkTopic(t, 'prefix');
        let now: string[];
        if (verb === 'sub') now = await subscription.add(prefixes);
        else if (verb === 'unsub') now = await subscription.remove(prefixes);
        else
          throw new CliError(
            `unknown control ${JSON.stringify(verb)} (sub TOPIC... or unsub TOPIC...)`,
            EXIT.usage
          );
        now = [...now].sort();
        if (json) io.stdout.write(JSON.stringify({ type: 'filter', topics: now }) + '\n');
        else io.stderr.write(`brokerctl: subscribed to ${now.map((t) => t || '""').join(' ')}\n`);
      } catch (e) {
        io.stderr.write(`brokerctl: control line ${n}: ${escapeControls((e as Error).message)}\n`);
      }
    }
  } catch (e) {
    io.stderr.write(`brokerctl: control input: ${escapeControls((e as Error).message)}\n`);
  }
}

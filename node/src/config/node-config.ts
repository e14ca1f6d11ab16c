import { readFileSync } from 'node:fs';
import { MAX_DEPTH_CEILING } from '../data/index.js';
import type { OverflowPolicy } from '../pubsub/index.js';
import { ConfigError } from './errors.js';
import { type HostPort, isLoopbackHost, parseHostPort } from './host-port.js';
import { type FlagSpec, type FlagValues, parseFlags } from './options.js';
import { STORE_FLAGS, type StoreConfig, loadStoreConfig } from './store-config.js';

/** A statically configured peer. */
export interface StaticPeer {
  readonly id: string;
  readonly address: HostPort;
}

/** TLS file paths; all three given means mutual TLS. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
  readonly reloadMs: number;
}

/** Everything broker-node is configured with, validated. */
export interface NodeConfig {
  readonly id: string;
  readonly listen: HostPort;
  readonly http: HostPort | undefined;
  readonly peers: readonly StaticPeer[];
  readonly peersDns: string | undefined;
  readonly peersDnsPort: number | undefined;
  readonly peersDnsIntervalMs: number;
  /** Resolver override for --peers-dns; empty means the system resolver. */
  readonly dnsServers: readonly HostPort[];
  readonly dataDir: string | undefined;
  readonly tls: TlsFiles | undefined;
  readonly insecure: boolean;
  /**
   * The cluster secret peers prove their ids with (HMAC, docs/security.md); undefined when
   * neither --cluster-secret nor --cluster-secret-file is given. At least 16 bytes.
   */
  readonly clusterSecret: Uint8Array | undefined;
  readonly maxMessageBytes: number;
  readonly maxBatchBytes: number;
  readonly maxDepth: number;
  readonly maxTopicLength: number;
  readonly maxSubscriptions: number;
  readonly maxSubscribers: number;
  readonly subscriberQueue: number;
  readonly maxSubscriberQueue: number;
  readonly subscriberQueueBytes: number;
  readonly overflowPolicy: OverflowPolicy;
  readonly peerQueue: number;
  readonly peerQueueBytes: number;
  readonly peerCredit: number;
  readonly peerBatchEvents: number;
  readonly publishTimeoutMs: number;
  readonly blockTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly metricsTopicPrefixes: readonly string[];
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** The replicated stores (they run when dataDir is set). */
  readonly store: StoreConfig;
}

const MiB = 1024 * 1024;

/** The flags of broker-node; the environment variable is BROKER_ plus the name in upper snake case. */
export const NODE_FLAGS: readonly FlagSpec[] = (
  [
    { name: 'id', kind: 'string', help: 'this peer\'s id (letters, digits, "-", "_", ".")' },
    {
      name: 'listen',
      kind: 'string',
      help: 'gRPC listen address HOST:PORT (client and peer API)',
      default: '127.0.0.1:7400',
    },
    {
      name: 'http',
      kind: 'string',
      help: 'HTTP address HOST:PORT for /metrics, /healthz, /readyz (off when absent)',
    },
    {
      name: 'peers',
      kind: 'list',
      help: 'static peers id=HOST:PORT,...; the same list may be given to every peer (own id is skipped)',
    },
    {
      name: 'peers-dns',
      kind: 'string',
      help: 'DNS name whose SRV or A/AAAA records list the peers (Kubernetes headless Service)',
    },
    {
      name: 'peers-dns-port',
      kind: 'int',
      min: 1,
      max: 65535,
      help: 'port for A/AAAA records of --peers-dns (default: the --listen port)',
    },
    {
      name: 'peers-dns-interval-ms',
      kind: 'int',
      min: 100,
      max: 3_600_000,
      default: '5000',
      help: 'how often --peers-dns is resolved again',
    },
    {
      name: 'dns-server',
      kind: 'list',
      help: 'DNS servers HOST:PORT,... for --peers-dns instead of the system resolver',
    },
    {
      name: 'data-dir',
      kind: 'string',
      help: 'directory for durable state (used by the stores; accepted now)',
    },
    {
      name: 'tls-cert',
      kind: 'string',
      help: 'PEM certificate chain for the listeners and for dialing peers',
    },
    { name: 'tls-key', kind: 'string', help: 'PEM private key of --tls-cert' },
    {
      name: 'tls-ca',
      kind: 'string',
      help: 'PEM CA bundle: verify peers and require client certificates (mutual TLS)',
    },
    {
      name: 'tls-reload-ms',
      kind: 'int',
      min: 100,
      max: 3_600_000,
      default: '5000',
      help: 'how often TLS files are checked for changes',
    },
    { name: 'insecure', kind: 'bool', help: 'allow plaintext on a non-loopback address' },
    {
      name: 'cluster-secret',
      kind: 'string',
      help: 'shared secret (at least 16 bytes) that peers prove their ids with; prefer the file or env form',
    },
    {
      name: 'cluster-secret-file',
      kind: 'string',
      help: 'file holding the cluster secret (trailing newline ignored)',
    },
    {
      name: 'max-message-bytes',
      kind: 'int',
      min: 16,
      max: 64 * MiB,
      default: String(MiB),
      help: 'largest event payload accepted',
    },
    {
      name: 'max-batch-bytes',
      kind: 'int',
      min: 1024,
      max: 256 * MiB,
      default: String(8 * MiB),
      help: 'largest publish batch accepted (gRPC message size)',
    },
    {
      name: 'max-depth',
      kind: 'int',
      min: 1,
      // The codec refuses deeper limits (stack safety); a larger flag failed at startup.
      max: MAX_DEPTH_CEILING,
      default: '64',
      help: 'deepest nesting of containers in an event',
    },
    {
      name: 'max-topic-length',
      kind: 'int',
      min: 1,
      max: 65536,
      default: '1024',
      help: 'longest topic',
    },
    {
      name: 'max-subscriptions',
      kind: 'int',
      min: 1,
      max: 100_000,
      default: '256',
      help: 'most topic prefixes per subscriber',
    },
    {
      name: 'max-subscribers',
      kind: 'int',
      min: 1,
      max: 1_000_000,
      default: '10000',
      help: 'most concurrent subscribers per peer',
    },
    {
      name: 'subscriber-queue',
      kind: 'int',
      min: 1,
      max: 10_000_000,
      default: '65536',
      help: 'default subscriber queue capacity in events',
    },
    {
      name: 'max-subscriber-queue',
      kind: 'int',
      min: 1,
      max: 10_000_000,
      default: '1048576',
      help: 'largest queue capacity a subscriber may ask for',
    },
    {
      name: 'subscriber-queue-bytes',
      kind: 'int',
      min: 1024,
      max: 4096 * MiB,
      default: String(64 * MiB),
      help: 'subscriber queue capacity in bytes',
    },
    {
      name: 'overflow-policy',
      kind: 'string',
      choices: ['block', 'drop-oldest', 'disconnect'],
      default: 'block',
      help: 'default overflow policy of subscribers',
    },
    {
      name: 'peer-queue',
      kind: 'int',
      min: 1,
      max: 10_000_000,
      default: '131072',
      help: 'outbound queue per peer link in events',
    },
    {
      name: 'peer-queue-bytes',
      kind: 'int',
      min: 1024,
      max: 4096 * MiB,
      default: String(64 * MiB),
      help: 'outbound queue per peer link in bytes',
    },
    {
      name: 'peer-credit',
      kind: 'int',
      min: 1,
      max: 10_000_000,
      default: '65536',
      help: 'events a peer may send before this peer grants more (receive window)',
    },
    {
      name: 'peer-batch-events',
      kind: 'int',
      min: 1,
      max: 1_000_000,
      default: '8192',
      help: 'most events per envelope batch on a peer link',
    },
    {
      name: 'publish-timeout-ms',
      kind: 'int',
      min: 1,
      max: 3_600_000,
      default: '30000',
      help: 'longest a publish waits for queue room',
    },
    {
      name: 'block-timeout-ms',
      kind: 'int',
      min: 1,
      max: 3_600_000,
      default: '30000',
      help: 'longest a block-policy subscriber may hold producers before it is disconnected',
    },
    {
      name: 'shutdown-timeout-ms',
      kind: 'int',
      min: 1,
      max: 600_000,
      default: '10000',
      help: 'bound on a graceful shutdown after SIGTERM',
    },
    {
      name: 'reconnect-base-ms',
      kind: 'int',
      min: 1,
      max: 600_000,
      default: '100',
      help: 'first reconnect delay (doubles per failure, with jitter)',
    },
    {
      name: 'reconnect-max-ms',
      kind: 'int',
      min: 1,
      max: 3_600_000,
      default: '5000',
      help: 'cap of the reconnect delay',
    },
    {
      name: 'metrics-topic-prefixes',
      kind: 'list',
      help: 'topic prefixes that get their own metric label (others count as "other")',
    },
    {
      name: 'log-level',
      kind: 'string',
      choices: ['error', 'warn', 'info', 'debug'],
      default: 'info',
      help: 'log verbosity (JSON lines on stderr)',
    },
    ...STORE_FLAGS,
  ] satisfies Array<Omit<FlagSpec, 'env'>>
).map((s) => ({ ...s, env: 'BROKER_' + s.name.toUpperCase().replace(/-/g, '_') }));

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function str(v: FlagValues, k: string): string | undefined {
  const x = v.get(k);
  return typeof x === 'string' ? x : undefined;
}
function int(v: FlagValues, k: string): number {
  const x = v.get(k);
  if (typeof x !== 'number') throw new ConfigError(`--${k}: missing`);
  return x;
}

/** Parses `id=HOST:PORT,...`. */
export function parsePeers(list: readonly string[]): StaticPeer[] {
  const peers: StaticPeer[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`--peers: expected id=HOST:PORT, got ${JSON.stringify(item)}`);
    const id = item.slice(0, eq);
    if (!ID_RE.test(id)) throw new ConfigError(`--peers: invalid peer id ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new ConfigError(`--peers: peer id ${id} appears twice`);
    seen.add(id);
    peers.push({ id, address: parseHostPort(item.slice(eq + 1), `--peers ${id}`) });
  }
  return peers;
}

/** Smallest cluster secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 16;

/** The cluster secret from the flag or the file (not both), validated. */
export function loadClusterSecret(
  inline: string | undefined,
  file: string | undefined
): Uint8Array | undefined {
  if (inline !== undefined && file !== undefined)
    throw new ConfigError('--cluster-secret and --cluster-secret-file exclude each other');
  let secret: Buffer | undefined;
  let what = '--cluster-secret';
  if (inline !== undefined) secret = Buffer.from(inline, 'utf8');
  if (file !== undefined) {
    what = `--cluster-secret-file ${file}`;
    try {
      secret = readFileSync(file);
    } catch (e) {
      throw new ConfigError(`${what}: ${(e as Error).message}`);
    }
    let end = secret.length;
    while (end > 0 && (secret[end - 1] === 0x0a || secret[end - 1] === 0x0d)) end--;
    secret = secret.subarray(0, end);
  }
  if (secret !== undefined && secret.length < MIN_SECRET_BYTES)
    throw new ConfigError(
      `${what}: the secret has ${secret.length} bytes, at least ${MIN_SECRET_BYTES} are needed`
    );
  return secret === undefined ? undefined : new Uint8Array(secret);
}

/** Parses and validates broker-node's arguments and environment. Throws {@link ConfigError}. */
export function loadNodeConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv
): NodeConfig | 'help' {
  const parsed = parseFlags(NODE_FLAGS, argv, env, { allowPositionals: false });
  if (parsed.help) return 'help';
  const v = parsed.values;
  const id = str(v, 'id');
  if (id === undefined) throw new ConfigError('--id is required (or BROKER_ID)');
  if (!ID_RE.test(id))
    throw new ConfigError(
      `--id: invalid id ${JSON.stringify(id)} (letters, digits, "-", "_", "."; at most 63)`
    );
  const listen = parseHostPort(str(v, 'listen') as string, '--listen');
  const httpRaw = str(v, 'http');
  const http = httpRaw === undefined ? undefined : parseHostPort(httpRaw, '--http');
  const peers = parsePeers((v.get('peers') as string[] | undefined) ?? []).filter(
    (p) => p.id !== id
  );
  const peersDns = str(v, 'peers-dns');
  if (peersDns !== undefined && peers.length > 0)
    throw new ConfigError('--peers and --peers-dns exclude each other');
  const cert = str(v, 'tls-cert');
  const key = str(v, 'tls-key');
  const ca = str(v, 'tls-ca');
  if ((cert === undefined) !== (key === undefined))
    throw new ConfigError('--tls-cert and --tls-key go together');
  if (ca !== undefined && cert === undefined)
    throw new ConfigError('--tls-ca needs --tls-cert and --tls-key');
  const insecure = v.get('insecure') === true;
  if (cert === undefined && !insecure && !isLoopbackHost(listen.host)) {
    throw new ConfigError(
      `--listen ${listen.host} is not a loopback address: give --tls-cert/--tls-key, or --insecure for plaintext`
    );
  }
  if (http !== undefined && !insecure && !isLoopbackHost(http.host) && cert === undefined) {
    throw new ConfigError(
      `--http ${http.host} is not a loopback address: give --insecure to serve metrics in plaintext there`
    );
  }
  const maxMessageBytes = int(v, 'max-message-bytes');
  const maxBatchBytes = int(v, 'max-batch-bytes');
  if (maxBatchBytes < maxMessageBytes)
    throw new ConfigError('--max-batch-bytes must be at least --max-message-bytes');
  const subscriberQueue = int(v, 'subscriber-queue');
  const maxSubscriberQueue = int(v, 'max-subscriber-queue');
  if (subscriberQueue > maxSubscriberQueue)
    throw new ConfigError('--subscriber-queue must not exceed --max-subscriber-queue');
  const reconnectBaseMs = int(v, 'reconnect-base-ms');
  const reconnectMaxMs = int(v, 'reconnect-max-ms');
  if (reconnectBaseMs > reconnectMaxMs)
    throw new ConfigError('--reconnect-base-ms must not exceed --reconnect-max-ms');
  const dnsPort = v.get('peers-dns-port');
  const clusterSecret = loadClusterSecret(str(v, 'cluster-secret'), str(v, 'cluster-secret-file'));
  if (str(v, 'data-dir') !== undefined && clusterSecret === undefined)
    throw new ConfigError(
      '--data-dir runs the replicated stores, whose peers prove their ids with the cluster secret: give --cluster-secret-file (or --cluster-secret, BROKER_CLUSTER_SECRET)'
    );
  return {
    id,
    listen,
    http,
    peers,
    peersDns,
    peersDnsPort: typeof dnsPort === 'number' ? dnsPort : undefined,
    peersDnsIntervalMs: int(v, 'peers-dns-interval-ms'),
    dnsServers: ((v.get('dns-server') as string[] | undefined) ?? []).map((x) =>
      parseHostPort(x, '--dns-server')
    ),
    dataDir: str(v, 'data-dir'),
    tls:
      cert === undefined || key === undefined
        ? undefined
        : { cert, key, ca, reloadMs: int(v, 'tls-reload-ms') },
    insecure,
    clusterSecret,
    maxMessageBytes,
    maxBatchBytes,
    maxDepth: int(v, 'max-depth'),
    maxTopicLength: int(v, 'max-topic-length'),
    maxSubscriptions: int(v, 'max-subscriptions'),
    maxSubscribers: int(v, 'max-subscribers'),
    subscriberQueue,
    maxSubscriberQueue,
    subscriberQueueBytes: int(v, 'subscriber-queue-bytes'),
    overflowPolicy: str(v, 'overflow-policy') as OverflowPolicy,
    peerQueue: int(v, 'peer-queue'),
    peerQueueBytes: int(v, 'peer-queue-bytes'),
    peerCredit: int(v, 'peer-credit'),
    peerBatchEvents: int(v, 'peer-batch-events'),
    publishTimeoutMs: int(v, 'publish-timeout-ms'),
    blockTimeoutMs: int(v, 'block-timeout-ms'),
    shutdownTimeoutMs: int(v, 'shutdown-timeout-ms'),
    reconnectBaseMs,
    reconnectMaxMs,
    metricsTopicPrefixes: (v.get('metrics-topic-prefixes') as string[] | undefined) ?? [],
    logLevel: str(v, 'log-level') as NodeConfig['logLevel'],
    store: loadStoreConfig(v, peers.length + 1),
  };
}

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MAX_DEPTH_CEILING } from '../data/index.js';
import type { OverflowPolicy } from '../pubsub/index.js';
import { ConfigError } from './errors.js';
import { type HostPort, formatHostPort, isLoopbackHost, parseHostPort } from './host-port.js';
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
  /** Longest a peer link that takes nothing may hold publishers (docs/pubsub.md). */
  readonly peerQueueTimeMs: number;
  readonly blockTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly metricsTopicPrefixes: readonly string[];
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** The replicated stores (they run when dataDir is set). */
  readonly store: StoreConfig;
  // --- mesh hardening (issue 10) ---
  /** Peers may claim ids without proof; only with a loopback --listen and loopback peers. */
  readonly insecurePeers: boolean;
  /** Open connections to the gRPC port at most (clients and peers). */
  readonly maxConnections: number;
  /** A connection completes its HTTP/2 handshake within this, or is closed. */
  readonly handshakeTimeoutMs: number;
  /** A connection without calls for this long is closed (GOAWAY). */
  readonly idleTimeoutMs: number;
  /** Long-lived calls (subscriptions, publish streams) per connection at most. */
  readonly maxStreamsPerConnection: number;
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
      help: 'static peers id=HOST:PORT,...; the same list may be given to every peer (its own entry must have its --listen port)',
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
      name: 'peer-queue-time-ms',
      kind: 'int',
      min: 1,
      max: 3_600_000,
      default: '500',
      help: 'longest a peer link whose queue is full and that sends nothing may hold publishers; then its events are dropped until it sends again',
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
    // --- mesh hardening (issue 10) ---
    {
      name: 'insecure-peers',
      kind: 'bool',
      help: 'let peers claim ids without proof (no --cluster-secret, no mutual TLS); loopback only, for development',
    },
    {
      name: 'max-connections',
      kind: 'int',
      min: 1,
      max: 1_000_000,
      default: '4096',
      help: 'open connections to the gRPC port at most (clients and peers); more are closed at once',
    },
    {
      name: 'handshake-timeout-ms',
      kind: 'int',
      min: 100,
      max: 600_000,
      default: '10000',
      help: 'a connection that has not completed its HTTP/2 (and TLS) handshake by then is closed',
    },
    {
      name: 'idle-timeout-ms',
      kind: 'int',
      min: 1000,
      max: 86_400_000,
      default: '300000',
      help: 'a connection without calls for this long is closed (clients reconnect when they need to)',
    },
    {
      name: 'max-streams-per-connection',
      kind: 'int',
      min: 1,
      max: 100_000,
      default: '1024',
      help: 'subscriptions and publish streams one connection may hold; more get RESOURCE_EXHAUSTED',
    },
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
  const dataDir = checkDataDir(str(v, 'data-dir'));
  if (dataDir !== undefined && clusterSecret === undefined)
    throw new ConfigError(
      '--data-dir runs the replicated stores, whose peers prove their ids with the cluster secret: give --cluster-secret-file (or --cluster-secret, BROKER_CLUSTER_SECRET)'
    );
  const allPeers = parsePeers((v.get('peers') as string[] | undefined) ?? []);
  const insecurePeers = v.get('insecure-peers') === true;
  checkMesh({
    id,
    listen,
    http,
    allPeers,
    peersDns,
    clusterSecret,
    mtls: ca !== undefined,
    insecurePeers,
  });
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
    dataDir,
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
    peerQueueTimeMs: int(v, 'peer-queue-time-ms'),
    blockTimeoutMs: int(v, 'block-timeout-ms'),
    shutdownTimeoutMs: int(v, 'shutdown-timeout-ms'),
    reconnectBaseMs,
    reconnectMaxMs,
    metricsTopicPrefixes: (v.get('metrics-topic-prefixes') as string[] | undefined) ?? [],
    logLevel: str(v, 'log-level') as NodeConfig['logLevel'],
    store: loadStoreConfig(v, peers.length + 1),
    insecurePeers,
    maxConnections: int(v, 'max-connections'),
    handshakeTimeoutMs: int(v, 'handshake-timeout-ms'),
    idleTimeoutMs: int(v, 'idle-timeout-ms'),
    maxStreamsPerConnection: int(v, 'max-streams-per-connection'),
  };
}

/**
 * A --data-dir must be a writable directory, or not exist yet under a writable directory
 * (it is created then): found at start, not at the first write.
 */
function checkDataDir(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  if (dir === '') throw new ConfigError('--data-dir: empty path');
  let p = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch {
      const up = dirname(p);
      if (up === p) throw new ConfigError(`--data-dir ${dir}: no existing parent directory`);
      p = up;
      continue;
    }
    if (!st.isDirectory())
      throw new ConfigError(
        p === resolve(dir)
          ? `--data-dir ${dir}: not a directory`
          : `--data-dir ${dir}: ${p} is not a directory`
      );
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
    } catch {
      throw new ConfigError(`--data-dir ${dir}: ${p} is not writable`);
    }
    return dir;
  }
}

/** The address host in a comparable form (case, IPv4-mapped IPv6). */
function hostKey(hp: HostPort): string {
  const h = hp.host.toLowerCase();
  return `${h.startsWith('::ffff:') ? h.slice(7) : h}:${hp.port}`;
}

/**
 * The mesh's own consistency rules (issue 10): peers prove their ids, every peer has its own
 * address, this node's entry in --peers is where it listens.
 */
function checkMesh(m: {
  id: string;
  listen: HostPort;
  http: HostPort | undefined;
  allPeers: readonly StaticPeer[];
  peersDns: string | undefined;
  clusterSecret: Uint8Array | undefined;
  mtls: boolean;
  insecurePeers: boolean;
}): void {
  if (m.http !== undefined && m.http.port !== 0 && m.http.port === m.listen.port)
    throw new ConfigError(`--http and --listen both use port ${m.listen.port}`);
  const byAddress = new Map<string, string>();
  for (const p of m.allPeers) {
    const k = hostKey(p.address);
    const other = byAddress.get(k);
    if (other !== undefined)
      throw new ConfigError(
        `--peers: ${other} and ${p.id} have the same address ${formatHostPort(p.address)}`
      );
    byAddress.set(k, p.id);
    if (p.id === m.id && m.listen.port !== 0 && p.address.port !== m.listen.port)
      throw new ConfigError(
        `--peers gives this node (${m.id}) the address ${formatHostPort(p.address)} but --listen is ${formatHostPort(m.listen)}`
      );
  }
  const others = m.allPeers.filter((p) => p.id !== m.id);
  const hasPeers = others.length > 0 || m.peersDns !== undefined;
  if (m.insecurePeers) {
    const loopback =
      isLoopbackHost(m.listen.host) &&
      m.peersDns === undefined &&
      others.every((p) => isLoopbackHost(p.address.host));
    if (!loopback)
      throw new ConfigError(
        '--insecure-peers is for loopback development only: --listen and every --peers address must be loopback (and no --peers-dns)'
      );
    return;
  }
  if (hasPeers && m.clusterSecret === undefined && !m.mtls)
    throw new ConfigError(
      'peers are configured but cannot prove their ids: give --cluster-secret-file (or --cluster-secret, BROKER_CLUSTER_SECRET), or mutual TLS (--tls-ca, certificates with the URI SAN broker-peer://ID), or --insecure-peers on loopback'
    );
}

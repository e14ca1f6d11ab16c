/**
 * `make bench-store`: the replicated store's throughput and latency, measured the way this
 * machine's etcd 3.4 reference was: 3 replicas on loopback with fsync on, one Node gRPC
 * client process holding ONE HTTP/2 connection to a peer, 100-byte values, a closed loop
 * (each of N slots sends its next request when the previous one is answered).
 *
 *   put, 64 in flight             to the leader's peer
 *   put, 1 in flight              to the leader's peer
 *   get (linearizable), 64        to the leader's peer
 *   get (linearizable), 64        to a follower's peer (forwarded / ReadIndex through the leader)
 *   get (stale), 64               to the leader's peer (served by its replica)
 *   put_unique, 64                to the leader's peer, a new key each time
 *
 * Prints ops/s and p50/p99/p99.9 latency for each, beside the reference figures. No
 * assertions: this is a measurement. The client is this file run again in `--role client`.
 *
 * Flags: --duration S (seconds per scenario, default 10), --concurrency N (replaces the 64,
 * default 64), --value-size B (encoded bytes of a value, default 100), --keys N (key space of
 * put and get, default 1000), --only NAME (one scenario: put-64, put-1, get-leader,
 * get-follower, get-stale, put-unique).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, parseFlags, type FlagSpec } from '../node/src/config/index.js';
import { data, encodeData } from '../node/src/data/index.js';
import { freePort, type NodeProcess, spawnNode } from '../node/src/dev/index.js';
import type { BrokerAdminClient } from '../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../node/src/gen/broker/v1/BrokerStore.js';
import { loadProtos } from '../node/src/transport/index.js';

const SCENARIOS = [
  'put-64',
  'put-1',
  'get-leader',
  'get-follower',
  'get-stale',
  'put-unique',
] as const;
type Scenario = (typeof SCENARIOS)[number];

const FLAGS: readonly FlagSpec[] = [
  { name: 'role', kind: 'string', choices: ['main', 'client'], default: 'main', help: 'internal' },
  { name: 'server', kind: 'string', help: 'internal: HOST:PORT of the peer the client uses' },
  { name: 'scenario', kind: 'string', choices: [...SCENARIOS], help: 'internal' },
  { name: 'in-flight', kind: 'int', min: 1, max: 10_000, default: '64', help: 'internal' },
  {
    name: 'duration',
    kind: 'int',
    min: 1,
    max: 3_600,
    default: '10',
    help: 'seconds each scenario runs',
  },
  {
    name: 'concurrency',
    kind: 'int',
    min: 1,
    max: 10_000,
    default: '64',
    help: 'requests in flight for the 64-in-flight scenarios',
  },
  {
    name: 'value-size',
    kind: 'int',
    min: 3,
    max: 1_048_576,
    default: '100',
    help: 'encoded bytes of each value',
  },
  {
    name: 'keys',
    kind: 'int',
    min: 1,
    max: 10_000_000,
    default: '1000',
    help: 'key space of put and get',
  },
  { name: 'only', kind: 'string', choices: [...SCENARIOS], help: 'run one scenario' },
];

const STORE = 'bench';
/** Not measured: lets connections, leases and caches settle first. */
const WARMUP_MS = 1_000;
/** Latency samples kept per scenario; past this, reservoir sampling keeps the quantiles fair. */
const MAX_SAMPLES = 1 << 21;
const CALL_TIMEOUT_MS = 10_000;
const CLUSTER_SECRET = 'store-bench-cluster-secret-0123';

/** etcd 3.4 on this machine, same method; Broker's put_unique (reference/broker.md). */
const REFERENCE: Record<Scenario, { text: string; rate?: number }> = {
  'put-64': { text: 'etcd: 7,900-8,700/s, p99 27 ms', rate: 8_300 },
  'put-1': { text: 'etcd: p50 0.77 ms' },
  'get-leader': { text: 'etcd: 12,000-13,200/s', rate: 12_600 },
  'get-follower': { text: 'etcd (via leader): 12,000-13,200/s', rate: 12_600 },
  'get-stale': { text: '-' },
  'put-unique': { text: 'Broker put_unique: 4,000-5,000/s', rate: 4_500 },
};

const LABEL: Record<Scenario, string> = {
  'put-64': 'put, N in flight',
  'put-1': 'put, 1 in flight',
  'get-leader': 'get linearizable, N, leader',
  'get-follower': 'get linearizable, N, follower',
  'get-stale': 'get stale, N, leader',
  'put-unique': 'put_unique, N in flight',
};

const enc = (s: string): Buffer => Buffer.from(encodeData(data.string(s)));
const keyOf = (i: number): Buffer => enc(`key-${String(i).padStart(8, '0')}`);

/**
 * A Broker string whose encoding is exactly `size` bytes (the codec's header counted). Some
 * sizes cannot be hit, where the length prefix grows by a byte: a ConfigError names the
 * nearest ones.
 */
function valueOfSize(size: number): Buffer {
  for (let n = size; n >= 0; n--) {
    const b = enc('v'.repeat(n));
    if (b.length === size) return b;
    if (b.length < size) {
      throw new ConfigError(
        `--value-size ${size}: no string value encodes to exactly that (${b.length} or ${enc('v'.repeat(n + 1)).length} do)`
      );
    }
  }
  throw new ConfigError(`--value-size ${size} is too small for a string value`);
}

function unary<T>(
  start: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void
): Promise<T> {
  return new Promise((resolve, reject) =>
    start((err, res) => (err !== null || res === undefined ? reject(err) : resolve(res)))
  );
}

const opts = (): grpc.CallOptions => ({ deadline: Date.now() + CALL_TIMEOUT_MS });

/** The client role: one channel (one HTTP/2 connection), `inFlight` closed-loop slots. */
async function client(
  server: string,
  scenario: Scenario,
  inFlight: number,
  durationS: number,
  valueSize: number,
  keys: number
): Promise<void> {
  const c: BrokerStoreClient = new (loadProtos().broker.v1.BrokerStore)(
    server,
    grpc.credentials.createInsecure()
  );
  const value = valueOfSize(valueSize);
  const keyBufs = Array.from({ length: keys }, (_, i) => keyOf(i));
  const uniquePrefix = `u-${process.pid}-${Date.now()}-`;
  let unique = 0;
  let next = 0;
  const request = (): Promise<unknown> => {
    const key = keyBufs[next++ % keys]!;
    switch (scenario) {
      case 'put-64':
      case 'put-1':
        return unary((cb) => c.Write({ store: STORE, ops: [{ put: { key, value } }] }, opts(), cb));
      case 'get-leader':
      case 'get-follower':
      case 'get-stale':
        return unary((cb) =>
          c.Read(
            { store: STORE, ops: [{ get: { key } }], stale: scenario === 'get-stale' },
            opts(),
            cb
          )
        );
      case 'put-unique':
        return unary<{ results: Array<{ inserted: boolean }> }>((cb) =>
          c.Write(
            {
              store: STORE,
              ops: [{ put_unique: { key: enc(uniquePrefix + String(unique++)), value } }],
            },
            opts(),
            cb
          )
        ).then((r) => {
          if (r.results[0]?.inserted !== true) throw new Error('put_unique did not insert');
        });
    }
  };

  // Gets read keys that exist: write the key space once first (not measured).
  if (scenario.startsWith('get')) {
    for (let i = 0; i < keys; i += 256) {
      const ops: Array<{ put: { key: Buffer; value: Buffer } }> = [];
      for (let j = i; j < Math.min(keys, i + 256); j++)
        ops.push({ put: { key: keyBufs[j]!, value } });
      await unary((cb) => c.Write({ store: STORE, ops }, opts(), cb));
    }
  }

  const samples = new Float64Array(MAX_SAMPLES);
  let recorded = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let seed = 0x9e3779b9;
  const rand = (n: number): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  const startAt = performance.now();
  const measureFrom = startAt + WARMUP_MS;
  const endAt = measureFrom + durationS * 1000;
  const slot = async (): Promise<void> => {
    for (;;) {
      const t = performance.now();
      if (t >= endAt) return;
      let ok = true;
      try {
        await request();
      } catch (e) {
        ok = false;
        if (t >= measureFrom) {
          errors++;
          firstError ??= (e as Error)?.message ?? String(e);
        }
      }
      if (!ok || t < measureFrom) continue;
      const lat = performance.now() - t;
      completed++;
      if (recorded < MAX_SAMPLES) samples[recorded++] = lat;
      else {
        const j = rand(completed);
        if (j < MAX_SAMPLES) samples[j] = lat;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => slot()));
  c.close();
  const sorted = samples.subarray(0, recorded).sort();
  const q = (p: number): number => sorted[Math.min(recorded - 1, Math.floor(p * recorded))] ?? NaN;
  process.stdout.write(
    JSON.stringify({
      scenario,
      inFlight,
      opsPerSec: completed / durationS,
      p50: q(0.5),
      p99: q(0.99),
      p999: q(0.999),
      completed,
      errors,
      firstError,
    }) + '\n'
  );
}

interface ClientResult {
  scenario: Scenario;
  inFlight: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  p999: number;
  completed: number;
  errors: number;
  firstError?: string;
}

/** Runs the client role in its own process and returns the line it prints. */
function runClient(args: string[]): Promise<ClientResult> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result: ClientResult | undefined;
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      result = JSON.parse(l) as ClientResult;
    } catch {
      process.stderr.write(`store-bench client: ${l}\n`);
    }
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 && result !== undefined
        ? resolve(result)
        : reject(new Error(`the benchmark client exited with ${code} without a result`))
    )
  );
}

/** Three peers with data directories (fsync on, the default) and the bench store. */
async function startCluster(root: string): Promise<NodeProcess[]> {
  const ids = ['a', 'b', 'c'];
  const ports = [];
  for (const id of ids) ports.push({ id, grpc: await freePort(), http: await freePort() });
  const peers = ports.map((p) => `${p.id}=127.0.0.1:${p.grpc}`).join(',');
  const nodes: NodeProcess[] = [];
  try {
    for (const p of ports) {
      const dataDir = join(root, p.id);
      mkdirSync(dataDir, { recursive: true });
      nodes.push(
        await spawnNode({
          id: p.id,
          args: [
            '--listen',
            `127.0.0.1:${p.grpc}`,
            '--http',
            `127.0.0.1:${p.http}`,
            '--peers',
            peers,
            '--data-dir',
            dataDir,
            '--cluster-secret',
            CLUSTER_SECRET,
            '--stores',
            STORE,
          ],
          startTimeoutMs: 30_000,
        })
      );
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return nodes;
}

/** Waits until some peer reports itself the leader of the store's group; returns its index. */
async function waitLeader(nodes: readonly NodeProcess[], timeoutMs: number): Promise<number> {
  const admins: BrokerAdminClient[] = nodes.map(
    (n) => new (loadProtos().broker.v1.BrokerAdmin)(n.grpc, grpc.credentials.createInsecure())
  );
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      for (let i = 0; i < admins.length; i++) {
        try {
          const r = await unary<{ groups: Array<{ store: string; group: string; role: string }> }>(
            (cb) => admins[i]!.GroupStatus({ group: STORE }, { deadline: Date.now() + 2_000 }, cb)
          );
          if (r.groups.some((g) => (g.store === STORE || g.group === STORE) && g.role === 'leader'))
            return i;
        } catch {
          // not up yet, or no such group yet
        }
      }
      if (Date.now() > deadline) throw new Error(`no leader of store ${STORE} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    for (const a of admins) a.close();
  }
}

const fmtRate = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');

async function main(): Promise<void> {
  const v = parseFlags(FLAGS, process.argv.slice(2), {}, { allowPositionals: false }).values;
  const duration = v.get('duration') as number;
  const valueSize = v.get('value-size') as number;
  const keys = v.get('keys') as number;
  if (v.get('role') === 'client') {
    const server = v.get('server') as string | undefined;
    const scenario = v.get('scenario') as Scenario | undefined;
    if (server === undefined || scenario === undefined) {
      throw new ConfigError('--role client needs --server and --scenario');
    }
    return client(server, scenario, v.get('in-flight') as number, duration, valueSize, keys);
  }
  const concurrency = v.get('concurrency') as number;
  valueOfSize(valueSize); // a bad size is a flag error before any peer starts
  const only = v.get('only') as Scenario | undefined;
  const root = mkdtempSync(join(tmpdir(), 'broker-store-bench-'));
  const nodes = await startCluster(root);
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const leader = await waitLeader(nodes, 60_000);
    const follower = (leader + 1) % nodes.length;
    process.stdout.write(
      `3 replicas on loopback, fsync on; leader ${nodes[leader]!.id}, follower ${nodes[follower]!.id}; ` +
        `${valueSize}-byte values, ${keys} keys, ${duration} s per scenario, one HTTP/2 connection\n\n`
    );
    process.stdout.write(
      `${'scenario'.padEnd(32)} ${'ops/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ` +
        `${'p99.9 ms'.padStart(9)} ${'errors'.padStart(7)}  reference\n`
    );
    const results: ClientResult[] = [];
    for (const scenario of SCENARIOS) {
      if (only !== undefined && only !== scenario) continue;
      const inFlight = scenario === 'put-1' ? 1 : concurrency;
      const target = scenario === 'get-follower' ? nodes[follower]! : nodes[leader]!;
      const r = await runClient([
        '--role',
        'client',
        '--server',
        target.grpc,
        '--scenario',
        scenario,
        '--in-flight',
        String(inFlight),
        '--duration',
        String(duration),
        '--value-size',
        String(valueSize),
        '--keys',
        String(keys),
      ]);
      results.push(r);
      const ref = REFERENCE[scenario];
      const ratio =
        ref.rate !== undefined ? ` (${(r.opsPerSec / ref.rate).toFixed(2)}x its midpoint)` : '';
      process.stdout.write(
        `${LABEL[scenario].replace('N', String(inFlight)).padEnd(32)} ${fmtRate(r.opsPerSec).padStart(9)} ` +
          `${fmtMs(r.p50).padStart(8)} ${fmtMs(r.p99).padStart(8)} ${fmtMs(r.p999).padStart(9)} ` +
          `${String(r.errors).padStart(7)}  ${ref.text}${ratio}\n` +
          (r.firstError !== undefined ? `${''.padEnd(33)}first error: ${r.firstError}\n` : '')
      );
    }
    process.stdout.write(
      '\naim (issue 7): at least 1.5x etcd on put and get, put p50 under 0.5 ms at 1 in flight\n' +
        'summary (JSON): ' +
        JSON.stringify(results) +
        '\n'
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopAll();
  }
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`store-bench: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`store-bench: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});

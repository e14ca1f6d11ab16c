/**
 * `make bench-pubsub`: delivered events/s and publish-to-deliver latency across real
 * broker-node processes on loopback.
 *
 *   (a) 1 publisher -> 1 subscriber on the same peer
 *   (b) 1 publisher -> 1 subscriber on another peer (two peers)
 *   (c) 1 publisher -> 4 subscribers, one on each of 4 peers
 *
 * Events are 5-field vectors like a connection log record: count, a ~20-character string,
 * an address, a port, a timestamp (the publisher's clock at encoding, which gives the
 * latency). Publisher and subscribers are separate processes (this file in another role);
 * subscribers decode every event. Each scenario runs at full speed (throughput; latency
 * then includes queueing under back pressure) and at a fixed lower rate (latency).
 *
 *   (s) 1 -> 1 on one peer from an outside generator: 100-byte strings, default batching
 *   (l1) fixed-rate latency, 1 -> 1 on one peer, at 1,000 and 10,000 events/s
 *   (l2) the same across two peers
 *
 * Flags: --events N (per scenario, default 1000000), --rate N (events/s of the paced run of
 * a, b and c, default 50000), --batch N (events per publish batch, default 1000),
 * --latency-seconds N (length of each l1/l2 run, default 5), --only a|b|c|s|l1|l2.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { type Data, connect, data, encodeData } from '../node/src/client/index.js';
import { parseFlags, type FlagSpec } from '../node/src/config/index.js';
import { BinaryDecoder } from '../node/src/data/index.js';
import { type Mesh, startMesh } from '../node/src/dev/index.js';

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'role',
    kind: 'string',
    choices: ['main', 'pub', 'sub'],
    default: 'main',
    help: 'internal',
  },
  { name: 'server', kind: 'string', help: 'internal' },
  { name: 'topic', kind: 'string', default: '/bench/conn', help: 'internal' },
  {
    name: 'events',
    kind: 'int',
    min: 1,
    max: 100_000_000,
    default: '1000000',
    help: 'events per scenario',
  },
  {
    name: 'rate',
    kind: 'int',
    min: 0,
    max: 100_000_000,
    default: '50000',
    help: 'events/s of the latency run',
  },
  {
    name: 'batch',
    kind: 'int',
    min: 1,
    max: 100_000,
    default: '1000',
    help: 'events per publish batch',
  },
  {
    name: 'warmup',
    kind: 'int',
    min: 0,
    max: 100_000_000,
    default: '0',
    help: 'internal: events a subscriber leaves out of its latency figures',
  },
  {
    name: 'latency-seconds',
    kind: 'int',
    min: 1,
    max: 3600,
    default: '5',
    help: 'length of each fixed-rate latency run (l1, l2)',
  },
  {
    name: 'only',
    kind: 'string',
    choices: ['a', 'b', 'c', 's', 'l1', 'l2'],
    help: 'run one scenario',
  },
  {
    name: 'values',
    kind: 'string',
    choices: ['built', 'encoded', 'string100'],
    default: 'built',
    help: 'publisher builds a Data value per event and encodes it (built), or patches the count, string and timestamp into one pre-encoded event and publishes bytes (encoded); string100 (scenario s): 100-character strings from a publisher with the library defaults',
  },
];

const wallNs = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));

/**
 * Waits until event `i` of a run at `rate` events/s is due. A timer cannot wait less than a
 * millisecond, so above 1,000 events/s the events due meanwhile go out back to back, as
 * from a real source that reads what arrived since its last turn.
 */
async function pace(start: number, i: number, rate: number): Promise<void> {
  const wait = start + (i / rate) * 1000 - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Publisher role: publish `events` events, at `rate` per second (0 = as fast as possible). */
/** Prints a publisher role's result line: events accepted, wall time and CPU time used. */
function reportPublisher(
  accepted: number,
  start: number,
  cpu0: NodeJS.CpuUsage,
  elu0: EventLoopUtilization
): void {
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      role: 'pub',
      accepted,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      waits: readyWaits.count,
      waitMs: readyWaits.ms,
      elu: performance.eventLoopUtilization(elu0).utilization,
    }) + '\n'
  );
}

type EventLoopUtilization = ReturnType<typeof performance.eventLoopUtilization>;

/**
 * How often and how long the publisher waited on its back pressure (`ready()`): with the
 * event-loop utilization of each client, this shows a pipeline stalled on flow control
 * while processes sit idle, which the throughput figure alone does not.
 */
const readyWaits = { count: 0, ms: 0 };

async function waitReady(pub: { ready(): Promise<void> }): Promise<void> {
  const t = performance.now();
  readyWaits.count++;
  await pub.ready();
  readyWaits.ms += performance.now() - t;
}

async function publisher(
  server: string,
  topic: string,
  events: number,
  rate: number,
  batch: number,
  values: string
): Promise<void> {
  if (values === 'encoded') return publisherEncoded(server, topic, events, rate, batch);
  if (values === 'string100') return publisherStrings(server, topic, events);
  const client = connect(server);
  const pub = client.publisher({ batchEvents: batch, batchBytes: 4 * 1024 * 1024 });
  const addr = data.address('192.168.17.42');
  const port = data.port(443, 'tcp');
  const uid = 'C4J4Th3PJpwUYZZ6gc';
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  for (let i = 0; i < events; i++) {
    if (rate > 0) await pace(start, i, rate);
    const ev: Data = {
      kind: 'vector',
      elements: [
        { kind: 'count', value: BigInt(i) },
        { kind: 'string', value: uid + (i % 100).toString().padStart(2, '0') },
        addr,
        port,
        { kind: 'timestamp', value: wallNs() },
      ],
    };
    if (!pub.publish(topic, ev)) await waitReady(pub);
  }
  reportPublisher(await pub.close(), start, cpu0, elu0);
  client.close();
}

/**
 * Publisher role of scenario (s), an outside generator: what a program that knows nothing
 * of this benchmark does, as in a side-by-side run with other brokers. 100-byte payloads as
 * string values (the send time, in milliseconds, leads the string), a publisher with the
 * library's default batching, full speed.
 */
async function publisherStrings(server: string, topic: string, events: number): Promise<void> {
  const client = connect(server);
  const pub = client.publisher();
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  for (let i = 0; i < events; i++) {
    const now = (performance.timeOrigin + performance.now()).toFixed(3);
    const ev = data.string(now.padEnd(100, '.'));
    if (!pub.publish(topic, ev)) await waitReady(pub);
  }
  reportPublisher(await pub.close(), start, cpu0, elu0);
  client.close();
}

/**
 * Publisher role for `--values encoded`: what a high-rate producer with a fixed record layout
 * can do with `publishEncoded`. One event is encoded once; per event the count, the string's
 * last two characters and the timestamp are written into it in place (offsets checked once
 * against the codec), so no Data objects and no BigInt per event.
 */
async function publisherEncoded(
  server: string,
  topic: string,
  events: number,
  rate: number,
  batch: number
): Promise<void> {
  const client = connect(server);
  const pub = client.publisher({ batchEvents: batch, batchBytes: 4 * 1024 * 1024 });
  const uid = 'C4J4Th3PJpwUYZZ6gc';
  const template = Buffer.from(
    encodeData(
      data.vector([
        data.count(0n),
        data.string(uid + '00'),
        data.address('192.168.17.42'),
        data.port(443, 'tcp'),
        data.timestamp(0n),
      ])
    )
  );
  // Layout: vector tag, size, count tag + 8, string tag + length + 20, address tag + 16,
  // port tag + 3, timestamp tag + 8.
  const COUNT = 3;
  const SUFFIX = 31;
  const TIME = 55;
  const view = new DataView(template.buffer, template.byteOffset, template.length);
  const patch = (i: number): void => {
    view.setUint32(COUNT, Math.floor(i / 2 ** 32));
    view.setUint32(COUNT + 4, i >>> 0);
    const two = i % 100;
    template[SUFFIX] = 48 + Math.floor(two / 10);
    template[SUFFIX + 1] = 48 + (two % 10);
    // Nanoseconds to ~0.25 µs (float precision): plenty for millisecond latencies.
    const ns = (performance.timeOrigin + performance.now()) * 1e6;
    const hi = Math.floor(ns / 2 ** 32);
    view.setUint32(TIME, hi);
    view.setUint32(TIME + 4, ns - hi * 2 ** 32);
  };
  patch(12345);
  const check = new BinaryDecoder().decode(template);
  if (
    check.kind !== 'vector' ||
    check.elements[0]?.kind !== 'count' ||
    check.elements[0].value !== 12345n ||
    check.elements[1]?.kind !== 'string' ||
    check.elements[1].value !== uid + '45' ||
    check.elements[4]?.kind !== 'timestamp'
  ) {
    throw new Error('encoded template layout does not match the codec');
  }
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  for (let i = 0; i < events; i++) {
    if (rate > 0) await pace(start, i, rate);
    patch(i);
    if (!pub.publishEncoded(topic, template)) await waitReady(pub);
  }
  reportPublisher(await pub.close(), start, cpu0, elu0);
  client.close();
}

/** Subscriber role: receive `events` events, decode each, and report rate and latency. */
async function subscriber(
  server: string,
  topic: string,
  events: number,
  warmup: number
): Promise<void> {
  const client = connect(server);
  const sub = client.subscribe([topic]);
  await sub.ready();
  process.stdout.write(JSON.stringify({ role: 'sub', ready: true }) + '\n');
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const decoder = new BinaryDecoder();
  const latencies = new Float64Array(events);
  let n = 0;
  let first = 0;
  let last = 0;
  // Every event is decoded in full (as Broker's benchmark does), straight from the delivery's
  // buffer: runs() hands over the undivided runs, decodeRange reads each event in place.
  outer: for await (const b of sub.runs()) {
    // Milliseconds as a float: no BigInt arithmetic per event (the timestamp's ~256 ns
    // float rounding is far below the latencies measured).
    const now = performance.timeOrigin + performance.now();
    if (n === 0) first = performance.now();
    for (const run of b.runs) {
      let off = 0;
      for (const size of run.sizes) {
        const v = decoder.decodeRange(run.data, off, off + size);
        off += size;
        if (v.kind === 'string') {
          // Scenario (s): the send time leads the string (always text here).
          if (typeof v.value !== 'string') throw new Error('unexpected byte string');
          latencies[n++] = now - Number.parseFloat(v.value);
        } else {
          if (v.kind !== 'vector') throw new Error('unexpected event');
          const ts = v.elements[4];
          if (ts?.kind !== 'timestamp') throw new Error('no timestamp');
          latencies[n++] = now - Number(ts.value) / 1e6;
        }
        if (n === events) break outer;
      }
    }
    last = performance.now();
  }
  last = performance.now();
  const cpu = process.cpuUsage(cpu0);
  sub.close();
  // The first `warmup` events (connections, JIT) are counted but not in the latency figures.
  const skip = Math.min(warmup, Math.max(0, n - 1));
  const sorted = latencies.subarray(skip, n).sort();
  const m = sorted.length;
  const q = (p: number): number => sorted[Math.min(m - 1, Math.floor(p * m))] ?? NaN;
  process.stdout.write(
    JSON.stringify({
      role: 'sub',
      received: n,
      seconds: (last - first) / 1000,
      firstMs: performance.timeOrigin + first,
      lastMs: performance.timeOrigin + last,
      p50: q(0.5),
      p99: q(0.99),
      p999: q(0.999),
      dropped: sub.droppedTotal,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      elu: performance.eventLoopUtilization(elu0).utilization,
    }) + '\n'
  );
  client.close();
}

/** CPU seconds a process has used (Linux /proc; 0 elsewhere). */
function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface RoleResult {
  role: string;
  [k: string]: unknown;
}

function spawnRole(args: string[]): {
  lines: AsyncIterator<RoleResult>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The readline iterator is taken now: it buffers lines printed before anyone awaits them.
  const raw = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const lines: AsyncIterator<RoleResult> = {
    next: async () => {
      const r = await raw.next();
      return r.done === true
        ? { done: true, value: undefined }
        : { done: false, value: JSON.parse(r.value) as RoleResult };
    },
  };
  return { lines, exited: new Promise((r) => child.on('exit', (c) => r(c))) };
}

async function next(it: AsyncIterator<RoleResult>, what: string): Promise<RoleResult> {
  const r = await it.next();
  if (r.done === true) throw new Error(`${what} ended without reporting`);
  return r.value;
}

async function waitFilter(
  mesh: Mesh,
  pubIndex: number,
  subIds: string[],
  topic: string
): Promise<void> {
  const c = connect(mesh.nodes[pubIndex]!.grpc);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await c.status();
    const ok = subIds.every(
      (id) => id === s.id || s.peers.some((p) => p.id === id && p.topics.includes(topic))
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('subscriptions did not spread');
    await new Promise((r) => setTimeout(r, 20));
  }
  c.close();
}

interface Row {
  scenario: string;
  /** CPU microseconds per published event, by process. */
  cpuPerEvent: Record<string, number>;
  mode: string;
  eventsPerSec: number;
  perSubscriber: number[];
  p50: number;
  p99: number;
  p999: number;
  dropped: number;
  /** The publisher's waits on back pressure: how many, and milliseconds in all. */
  publisherWaits: number;
  publisherWaitMs: number;
  /** Event-loop utilization (0..1) of the publisher and each subscriber; nodes' CPU share. */
  elu: Record<string, number>;
}

/** Events/s of the fixed-rate latency runs (l1, l2). */
const LATENCY_RATES = [1000, 10_000];

const dbg = (s: string): boolean =>
  process.env.BENCH_DEBUG === '1' && process.stderr.write(s + '\n');

async function scenario(
  name: string,
  mesh: Mesh,
  pubNode: number,
  subNodes: number[],
  events: number,
  rate: number,
  batch: number,
  values: string,
  warmup = 0
): Promise<Row> {
  const topic = `/bench/${name.slice(0, name.indexOf(':'))}/${rate}`;
  const subs = subNodes.map((i) =>
    spawnRole([
      '--role',
      'sub',
      '--server',
      mesh.nodes[i]!.grpc,
      '--topic',
      topic,
      '--events',
      String(events),
      '--warmup',
      String(warmup),
    ])
  );
  for (const s of subs) await next(s.lines, 'subscriber');
  dbg('subscribers ready');
  await waitFilter(
    mesh,
    pubNode,
    subNodes.map((i) => mesh.ports[i]!.id),
    topic
  );
  const nodeCpu0 = mesh.nodes.map((n) => procCpuSeconds(n.child.pid));
  const wall0 = performance.now();
  const pub = spawnRole([
    '--role',
    'pub',
    '--server',
    mesh.nodes[pubNode]!.grpc,
    '--topic',
    topic,
    '--events',
    String(events),
    '--rate',
    String(rate),
    '--batch',
    String(batch),
    '--values',
    values,
  ]);
  dbg('publisher started');
  const results = await Promise.all(subs.map((s) => next(s.lines, 'subscriber')));
  dbg('subscribers done');
  const pubResult = await next(pub.lines, 'publisher');
  const nodeCpu = mesh.nodes.map((n, i) => procCpuSeconds(n.child.pid) - (nodeCpu0[i] ?? 0));
  const wallSeconds = (performance.now() - wall0) / 1000;
  await Promise.all([pub.exited, ...subs.map((s) => s.exited)]);
  const us = (cpuSeconds: number): number => Math.round((cpuSeconds * 1e8) / events) / 100;
  const cpuPerEvent: Record<string, number> = { publisher: us(pubResult.cpuSeconds as number) };
  mesh.nodes.forEach((n, i) => (cpuPerEvent[`node ${n.id}`] = us(nodeCpu[i] ?? 0)));
  results.forEach((r, i) => (cpuPerEvent[`subscriber ${i + 1}`] = us(r.cpuSeconds as number)));
  const first = Math.min(...results.map((r) => r.firstMs as number));
  const last = Math.max(...results.map((r) => r.lastMs as number));
  const total = results.reduce((a, r) => a + (r.received as number), 0);
  return {
    scenario: name,
    cpuPerEvent,
    mode: rate === 0 ? 'max rate' : `${rate} ev/s`,
    eventsPerSec: Math.round(total / ((last - first) / 1000)),
    perSubscriber: results.map((r) => Math.round((r.received as number) / (r.seconds as number))),
    p50: Math.max(...results.map((r) => r.p50 as number)),
    p99: Math.max(...results.map((r) => r.p99 as number)),
    p999: Math.max(...results.map((r) => r.p999 as number)),
    dropped: results.reduce((a, r) => a + (r.dropped as number), 0),
    publisherWaits: pubResult.waits as number,
    publisherWaitMs: Math.round(pubResult.waitMs as number),
    elu: Object.fromEntries([
      ['publisher', round2(pubResult.elu as number)],
      ...results.map((r, i) => [`subscriber ${i + 1}`, round2(r.elu as number)]),
      // A node has no event-loop figure here: its CPU share of the wall time stands in.
      ...mesh.nodes.map((n, i) => [`node ${n.id} CPU`, round2((nodeCpu[i] ?? 0) / wallSeconds)]),
    ]),
  };
}

async function main(): Promise<void> {
  const v = parseFlags(FLAGS, process.argv.slice(2), {}, { allowPositionals: false }).values;
  const role = v.get('role');
  const events = v.get('events') as number;
  const topic = v.get('topic') as string;
  if (role === 'pub') {
    return publisher(
      v.get('server') as string,
      topic,
      events,
      v.get('rate') as number,
      v.get('batch') as number,
      v.get('values') as string
    );
  }
  if (role === 'sub')
    return subscriber(v.get('server') as string, topic, events, v.get('warmup') as number);
  const rate = v.get('rate') as number;
  const batch = v.get('batch') as number;
  const only = v.get('only') as string | undefined;
  const values = v.get('values') as string;
  const latencySeconds = v.get('latency-seconds') as number;
  process.stdout.write(`publisher values: ${values}\n`);
  const plans: Array<{
    name: string;
    nodes: string[];
    pub: number;
    subs: number[];
    latency?: boolean;
    /** Scenario (s): 100-byte strings from a default publisher, full speed only. */
    strings?: boolean;
  }> = [
    { name: 'a: 1->1 same peer', nodes: ['a'], pub: 0, subs: [0] },
    { name: 'b: 1->1 across two peers', nodes: ['a', 'b'], pub: 0, subs: [1] },
    { name: 'c: 1->4 across four peers', nodes: ['a', 'b', 'c', 'd'], pub: 0, subs: [0, 1, 2, 3] },
    {
      name: 's: 1->1 same peer, outside generator',
      nodes: ['a'],
      pub: 0,
      subs: [0],
      strings: true,
    },
    { name: 'l1: latency, same peer', nodes: ['a'], pub: 0, subs: [0], latency: true },
    { name: 'l2: latency, two peers', nodes: ['a', 'b'], pub: 0, subs: [1], latency: true },
  ].filter((p) => only === undefined || p.name.startsWith(`${only}:`));
  const rows: Row[] = [];
  for (const p of plans) {
    const mesh = await startMesh(p.nodes);
    try {
      const clients = mesh.nodes.map((n) => connect(n.grpc));
      const deadline = Date.now() + 15_000;
      while (
        (await Promise.all(clients.map((c) => c.status()))).some(
          (s) =>
            s.peers.filter((x) => x.state === 'connected' || x.state === 'inbound').length !==
            p.nodes.length - 1
        )
      ) {
        if (Date.now() > deadline) throw new Error('mesh did not form');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const c of clients) c.close();
      if (p.latency === true) {
        // Fixed rates well below capacity: what one event costs in time, not queueing.
        for (const r of LATENCY_RATES) {
          const warmup = Math.ceil(r / 2);
          const row = await scenario(
            p.name,
            mesh,
            p.pub,
            p.subs,
            r * latencySeconds + warmup,
            r,
            batch,
            values,
            warmup
          );
          rows.push(row);
          print(row);
        }
        continue;
      }
      if (p.strings === true) {
        const row = await scenario(p.name, mesh, p.pub, p.subs, events, 0, batch, 'string100');
        rows.push(row);
        print(row);
        continue;
      }
      const max = await scenario(p.name, mesh, p.pub, p.subs, events, 0, batch, values);
      rows.push(max);
      print(max);
      if (rate > 0) {
        const paced = await scenario(
          p.name,
          mesh,
          p.pub,
          p.subs,
          Math.min(events, rate * 5),
          rate,
          batch,
          values
        );
        rows.push(paced);
        print(paced);
      }
    } finally {
      await mesh.stopAll();
    }
  }
  process.stdout.write('\nsummary (JSON): ' + JSON.stringify(rows) + '\n');
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Milliseconds as whole microseconds, for the latency runs. */
const us = (ms: number): string => `${Math.round(ms * 1000).toLocaleString('en-US')} µs`;

function print(r: Row): void {
  process.stdout.write(
    `${r.scenario.padEnd(28)} ${r.mode.padEnd(12)} delivered ${r.eventsPerSec.toLocaleString('en-US').padStart(10)} events/s` +
      (r.p50 < 10
        ? `  p50 ${us(r.p50)}  p99 ${us(r.p99)}  p99.9 ${us(r.p999)}`
        : `  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`) +
      (r.perSubscriber.length > 1
        ? `  per subscriber ${r.perSubscriber.map((x) => x.toLocaleString('en-US')).join(' / ')}`
        : '') +
      (r.dropped > 0 ? `  dropped ${r.dropped}` : '') +
      '\n' +
      `${''.padEnd(41)} CPU µs/event: ${Object.entries(r.cpuPerEvent)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n` +
      `${''.padEnd(41)} publisher waited ${r.publisherWaits} times, ${r.publisherWaitMs} ms;` +
      ` event-loop utilization: ${Object.entries(r.elu)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n`
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`pubsub-bench: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});

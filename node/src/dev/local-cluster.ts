/**
 * `make run`: a local 3-peer cluster on loopback. Starts the peers (each with its own data
 * directory, all with one cluster secret and a `demo` store), publishes and subscribes through
 * different peers, writes the store through one peer and reads it through another, kills the
 * store leader's peer and shows the store still answering, prints where the metrics are, then
 * keeps the cluster up until Ctrl-C (or exits right away with --exit-after-demo) and stops the
 * peers with SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerClient, type Data, type Message, connect, data } from '../client/index.js';
import { ConfigError, type FlagSpec, formatHelp, parseFlags } from '../config/index.js';
import { toJsonText } from '../data/index.js';
import { type Mesh, startMesh } from './node-process.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'nodes', kind: 'int', min: 2, max: 9, default: '3', help: 'number of peers' },
  {
    name: 'exit-after-demo',
    kind: 'bool',
    help: 'stop the peers and exit after the demo (for tests and CI)',
  },
];

const say = (s = ''): boolean => process.stdout.write(s + '\n');

function connEvent(i: number): Data {
  return data.vector([
    data.count(i),
    data.string(`Cxk3${i}a9Qz7mB1eT0lWj`),
    data.address(`10.0.0.${i + 1}`),
    data.port(443, 'tcp'),
    data.timestamp(new Date()),
  ]);
}

async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function take(it: AsyncIterator<Message>, n: number, timeoutMs = 10_000): Promise<Message[]> {
  const out: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, rej) =>
        setTimeout(() => rej(new Error('no delivery in time')), Math.max(1, deadline - Date.now()))
      ),
    ]);
    if (r.done === true) break;
    out.push(r.value);
  }
  return out;
}

async function demo(mesh: Mesh, clients: BrokerClient[]): Promise<void> {
  const ids = mesh.ports.map((p) => p.id);
  await waitUntil(async () => {
    for (const c of clients) {
      const s = await c.status();
      if (
        s.peers.filter((p) => p.state === 'connected' || p.state === 'inbound').length !==
        clients.length - 1
      )
        return false;
    }
    return true;
  }, 'the full mesh');
  say(`mesh up: ${ids.join(', ')} all linked to each other`);
  const last = clients.length - 1;
  const sub = clients[last]!.subscribe(['/demo/conn']);
  const sub0 = clients[0]!.subscribe(['/demo']);
  await Promise.all([sub.ready(), sub0.ready()]);
  await waitUntil(async () => {
    const s = await clients[0]!.status();
    return s.peers.find((p) => p.id === ids[last])?.topics.includes('/demo/conn') ?? false;
  }, 'the subscription to spread');
  say(`subscribed on ${ids[last]} to /demo/conn and on ${ids[0]} to /demo`);
  const events = [0, 1, 2].map(connEvent);
  await clients[0]!.publish('/demo/conn', events);
  say(`published 3 connection records on ${ids[0]} to /demo/conn`);
  await clients[1]!.publish('/demo/alert', data.string(`hello from ${ids[1]}`));
  say(`published 1 string on ${ids[1]} to /demo/alert`);
  const got = await take(sub[Symbol.asyncIterator](), 3);
  for (const m of got) say(`  ${ids[last]} received ${m.topic} ${toJsonText(m.data)}`);
  const got0 = await take(sub0[Symbol.asyncIterator](), 4);
  for (const m of got0) say(`  ${ids[0]} received ${m.topic} ${toJsonText(m.data)}`);
  sub.close();
  sub0.close();
  if (got.length !== 3 || got0.length !== 4)
    throw new Error('the demo did not receive what it published');
}

/** The store part of the demo: replicated writes and reads, and a killed leader. */
async function storeDemo(mesh: Mesh, clients: BrokerClient[]): Promise<void> {
  const ids = mesh.ports.map((p) => p.id);
  await waitUntil(
    async () => {
      const stores = await clients[0]!.stores();
      return stores.some((x) => x.name === 'demo' && x.leader !== '');
    },
    'the demo store to have a leader',
    60_000
  );
  const key = data.address('10.0.0.1');
  await clients[0]!.store('demo').put(key, data.string('web-1'));
  say(`store demo: put 10.0.0.1 -> "web-1" through ${ids[0]}`);
  const got = await clients[1]!.store('demo').get(key);
  say(
    `store demo: get 10.0.0.1 through ${ids[1]} -> ${got === undefined ? 'nothing' : toJsonText(got)}`
  );
  if (got === undefined) throw new Error('the store did not return what was written');
  if (clients.length < 3) return; // losing a peer of two loses the quorum
  await clients[2]!.store('demo').increment(data.string('requests'), data.count(3));
  const leader = (await clients[0]!.stores()).find((x) => x.name === 'demo')!.leader;
  const li = ids.indexOf(leader);
  say(`store demo: the leader of demo is ${leader}; killing its peer with SIGKILL ...`);
  await mesh.nodes[li]!.kill();
  const others = clients.filter((_, i) => i !== li);
  await waitUntil(
    async () => {
      await others[0]!.store('demo').increment(data.string('requests'), data.count(1), {
        timeoutMs: 2000,
      });
      return true;
    },
    'a write with the leader down',
    30_000
  );
  const n = await others[1]!.store('demo').get(data.string('requests'));
  say(
    `store demo: with ${leader} down, increment through ${ids[clients.indexOf(others[0]!)]} and get through ${ids[clients.indexOf(others[1]!)]} -> ${n === undefined ? 'nothing' : toJsonText(n)}`
  );
  say(`store demo: restarting ${leader} on its data directory ...`);
  await mesh.restart(li);
  clients[li]!.close();
  clients[li] = connect(mesh.nodes[li]!.grpc);
  await waitUntil(
    async () => {
      const v = await clients[li]!.store('demo').get(key, { stale: true });
      return v !== undefined;
    },
    'the restarted peer to catch up',
    30_000
  );
  say(`store demo: ${leader} is back and serves the store from its own replica`);
}

async function main(): Promise<number> {
  let nodes: number;
  let exitAfter: boolean;
  try {
    const p = parseFlags(FLAGS, process.argv.slice(2), process.env, { allowPositionals: false });
    if (p.help) {
      say(formatHelp('usage: local-cluster [--nodes N] [--exit-after-demo]', FLAGS));
      return 0;
    }
    nodes = p.values.get('nodes') as number;
    exitAfter = p.values.get('exit-after-demo') === true;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`local-cluster: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const ids = Array.from({ length: nodes }, (_, i) => String.fromCharCode(97 + i));
  say(`starting ${nodes} broker-node peers on loopback ...`);
  const dataRoot = mkdtempSync(join(tmpdir(), 'brokercluster-local-'));
  const secretFile = join(dataRoot, 'cluster-secret');
  writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  const mesh = await startMesh(
    ids,
    ['--cluster-secret-file', secretFile, '--stores', 'demo', '--shutdown-timeout-ms', '5000'],
    {
      argsFor: (id) => ['--data-dir', join(dataRoot, id)],
      // The demo's own secret file, not the development default in the environment.
      env: { BROKER_CLUSTER_SECRET: undefined },
    }
  );
  const clients = mesh.nodes.map((n) => connect(n.grpc));
  let ok = true;
  try {
    for (const n of mesh.nodes) {
      say(`  peer ${n.id}: gRPC ${n.grpc}  metrics http://${n.http}/metrics  (pid ${n.child.pid})`);
    }
    await demo(mesh, clients);
    await storeDemo(mesh, clients);
    say();
    say(
      'try it yourself (in the checkout; the PATH line once per shell: npx then runs on Node 24, quietly):'
    );
    say('  export PATH="$PWD/node_modules/.bin:$PATH"');
    say(`  npx brokerctl --server ${mesh.nodes[0]!.grpc} status`);
    say(`  npx brokerctl --server ${mesh.nodes[1]!.grpc} sub /demo`);
    say(
      `  npx brokerctl --server ${mesh.nodes[0]!.grpc} pub /demo/x '{"@data-type":"count","data":42}'`
    );
    say(`  npx brokerctl --server ${mesh.nodes[1]!.grpc} stores`);
    say(
      `  npx brokerctl --server ${mesh.nodes[2]!.grpc} store get demo '{"@data-type":"address","data":"10.0.0.1"}'`
    );
    say(`  npx brokerctl --server ${mesh.nodes[0]!.grpc} cluster members`);
    say(`  curl -s http://${mesh.nodes[0]!.http}/metrics | grep ^broker_`);
  } catch (e) {
    ok = false;
    process.stderr.write(`local-cluster: ${(e as Error).message}\n`);
  }
  if (ok && !exitAfter) {
    say();
    say('running; press Ctrl-C to stop the peers');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  for (const c of clients) c.close();
  say('stopping the peers (SIGTERM) ...');
  const codes = await mesh.stopAll();
  say(`peers exited with ${codes.join(', ')}`);
  rmSync(dataRoot, { recursive: true, force: true });
  return ok && codes.every((c) => c === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`local-cluster: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  }
);

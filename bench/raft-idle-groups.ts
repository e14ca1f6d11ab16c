/**
 * Cost of idle Raft groups: three hosts (peers a, b, c) each run G groups of 3 replicas, with
 * leaderships spread over the hosts. Once every group has a leader and nothing is proposed, the
 * bench drives T ticks (tick every host, then drain Readys and deliver messages until quiet)
 * and prints the CPU time per tick of one host, per idle group, and the messages sent.
 *
 * Storage is in memory: idle groups write nothing but what elections wrote, so the WAL is not
 * what this measures (make bench-raft measures the write path).
 *
 * Usage: node dist/bench/raft-idle-groups.js [--groups 100,500,1000] [--ticks 2000]
 */
import { MemoryStorage, RaftHost, StateType, confState } from '../node/src/raft/index.js';
import type { Message } from '../node/src/raft/index.js';

const PEERS = ['a', 'b', 'c'] as const;

function parseArgs(argv: readonly string[]): { groups: number[]; ticks: number } {
  let groups = [100, 500, 1000];
  let ticks = 2000;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const v = argv[i + 1] ?? '';
    if (flag === '--groups') {
      groups = v.split(',').map(Number);
      if (groups.some((g) => !Number.isInteger(g) || g < 1 || g > 100_000)) {
        throw new Error(`--groups must be integers in [1, 100000], got ${JSON.stringify(v)}`);
      }
    } else if (flag === '--ticks') {
      ticks = Number(v);
      if (!Number.isInteger(ticks) || ticks < 10 || ticks > 1_000_000) {
        throw new Error(`--ticks must be an integer in [10, 1000000], got ${JSON.stringify(v)}`);
      }
    } else {
      throw new Error(`unknown flag ${String(flag)}; usage: [--groups N,N] [--ticks N]`);
    }
  }
  return { groups, ticks };
}

/** A seeded generator (mulberry32) so every run elects the same way. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Cluster {
  readonly hosts = new Map<string, RaftHost>();
  private readonly storages = new Map<string, MemoryStorage>();
  messages = 0;

  constructor(readonly groupCount: number) {
    for (const peer of PEERS) {
      const host = new RaftHost();
      for (let g = 0; g < groupCount; g++) {
        const group = `g${g}`;
        const storage = new MemoryStorage(confState({ voters: [...PEERS] }));
        this.storages.set(`${peer}/${group}`, storage);
        host.addGroup({
          id: peer,
          group,
          electionTick: 10,
          heartbeatTick: 1,
          storage,
          checkQuorum: true,
          preVote: true,
          random: seeded(g * 7 + peer.charCodeAt(0)),
        });
      }
      this.hosts.set(peer, host);
    }
  }

  /** Persist, send, apply, advance on every host until no host has anything left to do. */
  drain(): void {
    for (let round = 0; round < 1000; round++) {
      const inbox: Message[] = [];
      let busy = false;
      for (const [peer, host] of this.hosts) {
        if (!host.hasReady()) continue;
        busy = true;
        const rd = host.ready();
        for (const { group, ready } of rd.groups) {
          const storage = this.storages.get(`${peer}/${group}`) as MemoryStorage;
          if (ready.snapshot) storage.applySnapshot(ready.snapshot);
          if (ready.entries.length > 0) storage.append(ready.entries);
          if (ready.hardState) storage.setHardState(ready.hardState);
        }
        for (const msgs of rd.messagesByPeer.values()) inbox.push(...msgs);
        host.advance();
      }
      this.messages += inbox.length;
      for (const m of inbox) this.hosts.get(m.to)?.step(m);
      if (!busy && inbox.length === 0) return;
    }
    throw new Error('cluster did not go quiet within 1000 rounds');
  }

  tickAll(): void {
    for (const host of this.hosts.values()) host.tick();
    this.drain();
  }

  leaders(): number {
    let n = 0;
    for (const host of this.hosts.values()) {
      for (const g of host.groupIds()) {
        if (host.group(g).basicStatus().softState.state === StateType.Leader) n++;
      }
    }
    return n;
  }
}

function run(groups: number, ticks: number): void {
  const cluster = new Cluster(groups);
  // Spread leaderships: group i campaigns on host i mod 3.
  for (let g = 0; g < groups; g++) {
    const peer = PEERS[g % PEERS.length] as string;
    cluster.hosts.get(peer)?.group(`g${g}`).campaign();
  }
  cluster.drain();
  for (let t = 0; t < 30 && cluster.leaders() < groups; t++) cluster.tickAll();
  const leaders = cluster.leaders();
  if (leaders !== groups) throw new Error(`only ${leaders} of ${groups} groups elected a leader`);

  cluster.messages = 0;
  const start = process.cpuUsage();
  for (let t = 0; t < ticks; t++) cluster.tickAll();
  const used = process.cpuUsage(start);
  const cpuUs = used.user + used.system;
  // Three hosts share the process: one host's share is a third.
  const perHostTickUs = cpuUs / ticks / PEERS.length;
  const perGroupTickNs = (perHostTickUs * 1000) / groups;
  const msgsPerHostTick = cluster.messages / ticks / PEERS.length;
  const stillLeaders = cluster.leaders();
  console.log(
    `${String(groups).padStart(6)} ${String(ticks).padStart(6)} ${perHostTickUs.toFixed(0).padStart(12)} ` +
      `${perGroupTickNs.toFixed(0).padStart(14)} ${msgsPerHostTick.toFixed(0).padStart(14)} ` +
      `${(perHostTickUs / 1000).toFixed(2).padStart(16)}% ${String(stillLeaders === groups).padStart(8)}`
  );
}

function main(): void {
  let opts: { groups: number[]; ticks: number };
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`raft-idle-groups: ${(e as Error).message}`);
    process.exit(2);
  }
  console.log(
    'idle Raft groups, 3 hosts x G groups of 3 replicas, heartbeat every tick, CheckQuorum + PreVote'
  );
  console.log(
    'groups  ticks  µs/host-tick  ns/group-tick  msgs/host-tick  CPU at 100ms tick  leaders-stable'
  );
  for (const g of opts.groups) run(g, opts.ticks);
}

main();

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { brokerNodeEntry } from './repo-root.js';

/** Lines of stderr kept per process (the newest); bounded so a chatty node cannot grow us. */
const LOG_LINES = 500;

/**
 * The cluster secret every process started here gets (BROKER_CLUSTER_SECRET) unless the
 * caller's `env` sets another or removes it (`undefined`): peers must prove their ids
 * (docs/security.md), and local clusters, tests and benchmarks share this one. Never for
 * production: it is in the source.
 */
export const DEV_CLUSTER_SECRET = 'brokercluster-dev-secret-not-for-production';

/** A broker-node child process. */
export interface NodeProcess {
  readonly id: string;
  /** gRPC address HOST:PORT. */
  readonly grpc: string;
  /** HTTP address HOST:PORT, if --http was given. */
  readonly http: string | undefined;
  readonly child: ChildProcess;
  /** The newest stderr lines. */
  readonly logs: string[];
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (null if killed). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, no cleanup. */
  kill(): Promise<void>;
}

/** Options for {@link spawnNode}. */
export interface SpawnOptions {
  readonly id: string;
  /** Flags besides --id. */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly startTimeoutMs?: number;
  /** Echo the node's stderr to ours. */
  readonly echo?: boolean;
}

/**
 * Ports handed out by {@link freePort}: below Linux's default ephemeral range (32768-60999),
 * so no process's outgoing connection can take a port between the check and its use (with
 * port 0 the kernel picks from that range, and busy suites did take them). Each process walks
 * its own stretch from a start spread by its pid, so concurrent test workers rarely meet.
 */
const PORT_BASE = 20_000;
const PORT_SPAN = 12_000;
let nextPort = PORT_BASE + ((process.pid * 7_919) % PORT_SPAN);

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A free TCP port on `host` (bound and released; the caller uses it right away). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const port = nextPort;
    nextPort = PORT_BASE + ((nextPort - PORT_BASE + 1) % PORT_SPAN);
    if (await canBind(port, host)) return port;
  }
  throw new Error(`no free port from ${PORT_BASE} to ${PORT_BASE + PORT_SPAN - 1} on ${host}`);
}

/**
 * Starts `broker-node` (the built one, run by this process's Node) and resolves once it
 * prints its listening line. Rejects, after killing it, if that does not happen in time.
 */
export function spawnNode(o: SpawnOptions): Promise<NodeProcess> {
  const env: NodeJS.ProcessEnv = {
    BROKER_CLUSTER_SECRET: DEV_CLUSTER_SECRET,
    ...process.env,
    ...o.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, [brokerNodeEntry(), '--id', o.id, ...o.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const logs: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    logs.push(l);
    if (logs.length > LOG_LINES) logs.shift();
    if (o.echo === true) process.stderr.write(`[${o.id}] ${l}\n`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker-node ${o.id} did not start in time; stderr:\n${logs.join('\n')}`));
    }, o.startTimeoutMs ?? 15_000);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `broker-node ${o.id} exited (${code ?? signal}) before listening; stderr:\n${logs.join('\n')}`
        )
      );
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: { event?: string; grpc?: string; http?: string | null };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return;
      }
      if (msg.event !== 'listening' || msg.grpc === undefined) return;
      clearTimeout(timer);
      const node: NodeProcess = {
        id: o.id,
        grpc: msg.grpc,
        http: msg.http ?? undefined,
        child,
        logs,
        exited,
        async stop(timeoutMs = 15_000) {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          const r = await exited;
          clearTimeout(t);
          return r.code;
        },
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await exited;
        },
      };
      resolve(node);
    });
  });
}

/** A mesh of nodes on loopback with pre-chosen free ports. */
export interface Mesh {
  readonly nodes: NodeProcess[];
  /** `id=HOST:PORT,...` of every node. */
  readonly peers: string;
  readonly ports: ReadonlyArray<{ id: string; grpc: number; http: number }>;
  /** Starts node `i` again on its ports (after a kill). */
  restart(i: number): Promise<NodeProcess>;
  stopAll(): Promise<Array<number | null>>;
}

/** Starts `ids.length` broker-nodes that peer with each other (full mesh). */
export async function startMesh(
  ids: readonly string[],
  extraArgs: readonly string[] = [],
  options: {
    echo?: boolean;
    argsFor?: (id: string) => readonly string[];
    /** Environment of every node (a key set to undefined is removed). */
    env?: NodeJS.ProcessEnv;
  } = {}
): Promise<Mesh> {
  const ports: Array<{ id: string; grpc: number; http: number }> = [];
  for (const id of ids) ports.push({ id, grpc: await freePort(), http: await freePort() });
  const peers = ports.map((p) => `${p.id}=127.0.0.1:${p.grpc}`).join(',');
  const start = (i: number): Promise<NodeProcess> => {
    const p = ports[i]!;
    return spawnNode({
      id: p.id,
      args: [
        '--listen',
        `127.0.0.1:${p.grpc}`,
        '--http',
        `127.0.0.1:${p.http}`,
        '--peers',
        peers,
        ...extraArgs,
        ...(options.argsFor?.(p.id) ?? []),
      ],
      ...(options.echo !== undefined ? { echo: options.echo } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
    });
  };
  const nodes = await Promise.all(ids.map((_, i) => start(i)));
  return {
    nodes,
    peers,
    ports,
    async restart(i) {
      const n = await start(i);
      nodes[i] = n;
      return n;
    },
    stopAll: () => Promise.all(nodes.map((n) => n.stop())),
  };
}

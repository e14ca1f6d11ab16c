import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findMarkedProcesses } from '../harness/processes.js';
import { PodNetworkError } from './errors.js';

/** Where network claims live: tmpfs, so a reboot clears them together with the links. */
const CLAIM_DIR = '/run/brokercluster-k8s';
const MAX_NETWORKS = 250;

/** A pod's own network identity: a namespace with one veth on the test bridge. */
export interface PodNetHandle {
  /** Network namespace name (see `ip netns`). */
  readonly netns: string;
  readonly ip: string;
  /** Directory `ip netns exec` bind-mounts over /etc files (hosts, resolv.conf). */
  readonly etcDir: string;
}

function ip(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(
          new PodNetworkError(`ip ${args.join(' ')} failed: ${stderr.trim() || err.message}`, {
            cause: err,
          })
        );
      } else {
        resolve(stdout);
      }
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Synchronous removal of everything network `index` made (exit hooks and stale claims). */
function cleanupSync(index: number): void {
  const prefix = `bc${index}p`;
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (list.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith(prefix)) spawnSync('ip', ['netns', 'del', name]);
  }
  spawnSync('ip', ['link', 'del', `bcbr${index}`], { stdio: 'ignore' });
  try {
    for (const entry of fs.readdirSync('/etc/netns')) {
      if (entry.startsWith(prefix))
        fs.rmSync(path.join('/etc/netns', entry), { recursive: true, force: true });
    }
  } catch {
    // no /etc/netns: nothing to remove
  }
}

/**
 * The pod network of one test environment: a Linux bridge `bcbr<N>` holding 10.244.N.1/24,
 * and one network namespace per pod attached to it by a veth pair. N is claimed through a
 * file in /run so concurrent environments (parallel jest workers, a dev cluster) never
 * share a subnet; a claim whose owner process is dead is cleaned up and reused.
 * The namespaces get no default route: pods reach each other and this host's bridge
 * address, nothing else.
 */
export class PodNetwork {
  /** Octets (2..254) of pod addresses in use; guards against handing out one twice. */
  private readonly used = new Set<number>();
  /**
   * Last octet handed out. Allocation goes round-robin from here: a recreated pod must not get
   * the address its predecessor just freed, or this host's neighbour (ARP) cache would still
   * send that address to the old, deleted veth for tens of seconds.
   */
  private lastOctet = 1;
  private destroyed = false;
  private readonly exitHook = (): void => this.destroySync();

  private constructor(
    readonly index: number,
    private readonly claimFile: string
  ) {
    process.on('exit', this.exitHook);
  }

  /** The bridge (host side) address; pods see it as the node's address. */
  get gateway(): string {
    return `10.244.${this.index}.1`;
  }

  get bridge(): string {
    return `bcbr${this.index}`;
  }

  /** Claims a free network index and creates its bridge. Requires root and iproute2. */
  static async create(envId: string): Promise<PodNetwork> {
    fs.mkdirSync(CLAIM_DIR, { recursive: true });
    for (let index = 1; index <= MAX_NETWORKS; index++) {
      const claimFile = path.join(CLAIM_DIR, `net-${index}`);
      if (!claim(claimFile, envId)) continue;
      cleanupSync(index);
      const net = new PodNetwork(index, claimFile);
      try {
        await ip(['link', 'add', net.bridge, 'type', 'bridge']);
        await ip(['addr', 'add', `${net.gateway}/24`, 'dev', net.bridge]);
        await ip(['link', 'set', net.bridge, 'up']);
      } catch (err) {
        net.destroySync();
        throw new PodNetworkError(
          `cannot create the pod network bridge (the test kubelet needs root and iproute2): ${(err as Error).message}`,
          { cause: err }
        );
      }
      return net;
    }
    throw new PodNetworkError(
      `no free pod network index (all ${MAX_NETWORKS} claimed in ${CLAIM_DIR})`
    );
  }

  /** Creates a namespace with its own address for a pod of Kubernetes namespace `namespace`. */
  async attach(namespace: string): Promise<PodNetHandle> {
    if (this.destroyed) throw new PodNetworkError('pod network already destroyed');
    let octet = 0;
    for (let i = 1; i <= 253; i++) {
      const candidate = ((this.lastOctet - 2 + i) % 253) + 2;
      if (!this.used.has(candidate)) {
        octet = candidate;
        break;
      }
    }
    if (octet === 0) throw new PodNetworkError(`pod network ${this.index} has no free address`);
    this.used.add(octet);
    this.lastOctet = octet;
    const netns = `bc${this.index}p${octet}`;
    const hostIf = `bc${this.index}h${octet}`;
    const podIf = `bc${this.index}c${octet}`;
    const podIp = `10.244.${this.index}.${octet}`;
    const etcDir = path.join('/etc/netns', netns);
    try {
      await ip(['netns', 'add', netns]);
      await ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', podIf, 'netns', netns]);
      await ip(['link', 'set', hostIf, 'master', this.bridge, 'up']);
      await ip(['-n', netns, 'link', 'set', podIf, 'name', 'eth0']);
      await ip(['-n', netns, 'addr', 'add', `${podIp}/24`, 'dev', 'eth0']);
      await ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', netns, 'link', 'set', 'lo', 'up']);
      fs.mkdirSync(etcDir, { recursive: true });
      // The only nameserver is the cluster DNS on the bridge, which never forwards: a name
      // outside the cluster fails at once instead of leaving the test network.
      fs.writeFileSync(
        path.join(etcDir, 'resolv.conf'),
        [
          `nameserver ${this.gateway}`,
          `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local`,
          'options ndots:5 timeout:1 attempts:2',
          '',
        ].join('\n')
      );
      fs.writeFileSync(path.join(etcDir, 'hosts'), `127.0.0.1\tlocalhost\n${podIp}\tpod\n`);
    } catch (err) {
      await this.detach({ netns, ip: podIp, etcDir });
      throw err;
    }
    return { netns, ip: podIp, etcDir };
  }

  /** Removes a pod's namespace (its veth pair goes with it) and frees the address. */
  async detach(handle: PodNetHandle): Promise<void> {
    await ip(['netns', 'del', handle.netns]).catch(() => undefined);
    // Forget the old MAC so a later pod with this address is reachable at once.
    await ip(['neigh', 'del', handle.ip, 'dev', this.bridge]).catch(() => undefined);
    fs.rmSync(handle.etcDir, { recursive: true, force: true });
    this.used.delete(Number(handle.ip.split('.')[3]));
  }

  /**
   * Rewrites a pod's hosts file in place: `ip netns exec` bind-mounts this very inode over
   * the pod's /etc/hosts, so replacing the file (rename) would leave the pod with a stale
   * copy. The new content is written over the old in one write and only then truncated, so
   * a lookup at that moment never sees an empty file (at worst some old lines at the end).
   */
  writeHosts(handle: PodNetHandle, content: string): void {
    const file = path.join(handle.etcDir, 'hosts');
    let fd: number;
    try {
      fd = fs.openSync(file, 'r+');
    } catch {
      return; // the pod's network is gone
    }
    try {
      const next = Buffer.from(content);
      const size = fs.fstatSync(fd).size;
      const current = Buffer.alloc(size);
      fs.readSync(fd, current, 0, size, 0);
      if (current.equals(next)) return;
      fs.writeSync(fd, next, 0, next.length, 0);
      fs.ftruncateSync(fd, next.length);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Cuts a pod off the network (`connected` false) or plugs it back in, by taking the host
   * end of its veth down or up: like a pulled cable, packets vanish silently in both
   * directions, while the pod's own address and routes stay.
   */
  async setConnected(handle: PodNetHandle, connected: boolean): Promise<void> {
    const octet = handle.ip.split('.')[3] ?? '';
    await ip(['link', 'set', `bc${this.index}h${octet}`, connected ? 'up' : 'down']);
  }

  /** Command line running `argv` inside the pod's namespace (and /etc files). */
  exec(handle: PodNetHandle, argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', handle.netns, ...argv];
  }

  /** Removes the bridge, every pod namespace of this network and the claim. */
  async destroy(): Promise<void> {
    this.destroySync();
  }

  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.exitHook);
    cleanupSync(this.index);
    fs.rmSync(this.claimFile, { force: true });
  }
}

/**
 * Atomically claims `file` for this process. A claim left by a dead process is taken over,
 * after killing what that environment left running (found by its marker).
 */
function claim(file: string, envId: string): boolean {
  const content = `${process.pid} ${envId}\n`;
  try {
    fs.writeFileSync(file, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let owner = '';
  try {
    owner = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const [pidText, oldEnv] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return false;
  if (oldEnv !== undefined && oldEnv !== '') {
    for (const stale of findMarkedProcesses(oldEnv)) {
      try {
        process.kill(stale, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  fs.rmSync(file, { force: true });
  try {
    fs.writeFileSync(file, content, { flag: 'wx' });
    return true;
  } catch {
    return false; // another process took it over first
  }
}

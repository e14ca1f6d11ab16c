import type { V1Node } from '@kubernetes/client-node';
import { idempotent, type KubeletApi } from './api.js';
import { apiTime } from './container-runner.js';

/** Seconds a node Lease is valid; renewed every quarter of that, like a kubelet. */
const LEASE_SECONDS = 40;

function microTime(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

/** Capacity every test Node advertises (room for every pod a test makes). */
export const NODE_CAPACITY = {
  cpu: '16',
  memory: '64Gi',
  pods: '110',
  'ephemeral-storage': '100Gi',
};

/**
 * Registers Nodes, keeps their Ready condition fresh and renews their Leases in
 * kube-node-lease, so the node lifecycle controller never marks them NotReady or evicts pods.
 */
export class NodeAgent {
  private timer: NodeJS.Timeout | undefined;
  private beats = 0;

  constructor(
    private readonly api: KubeletApi,
    readonly nodeNames: readonly string[],
    private readonly address: string,
    /** Port of the kubelet (log) server on `address`, advertised in the Node status. */
    private readonly kubeletPort: number,
    private readonly log: (message: string) => void
  ) {}

  private nodeStatus(): Record<string, unknown> {
    const now = apiTime();
    const cond = (
      type: string,
      status: string,
      reason: string,
      message: string
    ): Record<string, string> => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: this.since,
    });
    return {
      capacity: NODE_CAPACITY,
      allocatable: NODE_CAPACITY,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'test kubelet'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'test kubelet'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'test kubelet'),
        cond('Ready', 'True', 'KubeletReady', 'BrokerCluster test kubelet is posting ready status'),
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: 'BrokerCluster test kubelet',
        containerRuntimeVersion: 'brokercluster-test://1',
        kubeletVersion: 'v1.20.2',
        kubeProxyVersion: 'v1.20.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private readonly since = apiTime();

  /** Creates (or takes over) the Nodes and their Leases, then starts the heartbeat. */
  async start(): Promise<void> {
    for (const name of this.nodeNames) {
      const node: V1Node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
          },
        },
        spec: {},
      };
      await idempotent(() => this.api.core.createNode({ body: node }));
      await this.patchStatus(name);
      await this.renewLease(name);
      this.log(`node ${name} registered`);
    }
    const tick = (): void => {
      this.beats++;
      void Promise.all(
        this.nodeNames.map(async (name) => {
          await this.renewLease(name);
          if (this.beats % 2 === 0) await this.patchStatus(name);
        })
      )
        .catch((err: unknown) => this.log(`node heartbeat failed: ${(err as Error).message}`))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, (LEASE_SECONDS / 4) * 1000);
        });
    };
    this.timer = setTimeout(tick, (LEASE_SECONDS / 4) * 1000);
  }

  private async patchStatus(name: string): Promise<void> {
    const status = {
      ...this.nodeStatus(),
      // Only the InternalIP: the API server would try a Hostname address first, and node
      // names resolve nowhere.
      addresses: [{ type: 'InternalIP', address: this.address }],
      daemonEndpoints: { kubeletEndpoint: { Port: this.kubeletPort } },
    };
    await this.api.core.patchNodeStatus({ name, body: { status } }, this.api.mergePatch);
  }

  private async renewLease(name: string): Promise<void> {
    const namespace = 'kube-node-lease';
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: LEASE_SECONDS,
      renewTime: microTime(),
    };
    const patch = (): Promise<unknown> =>
      this.api.coordination.patchNamespacedLease(
        { name, namespace, body: { spec } },
        this.api.mergePatch
      );
    try {
      await patch();
    } catch {
      // The typed create would serialise a Date renewTime with millisecond precision; the
      // API wants MicroTime, so create without it and set it through the patch.
      await idempotent(() =>
        this.api.coordination.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS },
          },
        })
      );
      await patch();
    }
  }

  /** Stops the heartbeat (the Nodes stay registered, as when a kubelet stops). */
  stop(): void {
    const t = this.timer;
    this.timer = undefined;
    if (t !== undefined) clearTimeout(t);
  }
}

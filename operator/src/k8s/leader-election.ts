/**
 * One active operator among replicas, through a coordination.k8s.io/v1 Lease. A candidate
 * takes the Lease when it is free or when its record has not changed for a whole lease
 * duration (measured on the candidate's own clock, so clock skew between hosts does not
 * matter); every write carries the resourceVersion read, so two candidates cannot both win.
 * The holder renews every `retryPeriodMs`; if it cannot renew within `renewDeadlineMs` it
 * reports the Lease lost and must stop acting (the process exits, as controller-runtime does).
 */
import {
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { isConflict, isNotFound } from './errors.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log: (message: string) => void;
}

function microTime(d: Date = new Date()): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  /** The last record seen (holder + renewTime) and when it was first seen, on our clock. */
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: LeaderElectionOptions
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until this candidate holds the Lease (resolves then), then keeps renewing in
   * the background and calls `onLost` once if the Lease is lost.
   */
  async run(onLost: () => void): Promise<void> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) break;
      await new Promise((r) => (this.timer = setTimeout(r, this.retryPeriodMs)));
    }
    if (this.stopped) return;
    this.leading = true;
    this.lastRenew = Date.now();
    this.options.log(
      `acquired Lease ${this.options.namespace}/${this.options.name} as ${this.options.identity}`
    );
    const renew = async (): Promise<void> => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew();
      if (ok) this.lastRenew = Date.now();
      else if (Date.now() - this.lastRenew > this.renewDeadlineMs) {
        this.leading = false;
        this.options.log('lost the Lease (could not renew within the renew deadline)');
        onLost();
        return;
      }
      this.timer = setTimeout(() => void renew(), this.retryPeriodMs);
    };
    this.timer = setTimeout(() => void renew(), this.retryPeriodMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        this.options.log(`reading Lease failed: ${String(err)}`);
        return false;
      }
      try {
        lease = await this.api.createNamespacedLease({
          namespace,
          // MicroTime fields are set by the patch below (the typed create would send ms).
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
              leaseTransitions: 0,
            },
          },
        });
      } catch (e) {
        if (!isConflict(e)) this.options.log(`creating Lease failed: ${String(e)}`);
        return false;
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const record = `${holder}|${String(lease.spec?.renewTime ?? '')}`;
    const now = Date.now();
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    const expired = now - this.observed.at > durationMs;
    if (holder !== '' && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    const spec: Record<string, unknown> = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      renewTime: microTime(),
    };
    if (taking) {
      spec.acquireTime = microTime();
      spec.leaseTransitions = (lease.spec?.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await this.api.patchNamespacedLease(
        {
          name,
          namespace,
          // The resourceVersion makes this a compare-and-swap: a concurrent winner -> 409.
          body: { metadata: { resourceVersion: lease.metadata?.resourceVersion }, spec },
        },
        mergePatch
      );
      this.observed = {
        record: `${identity}|${String(updated.spec?.renewTime ?? '')}`,
        at: Date.now(),
      };
      return true;
    } catch (err) {
      if (!isConflict(err)) this.options.log(`updating Lease failed: ${String(err)}`);
      return false;
    }
  }

  /** Stops campaigning; a leader gives the Lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const { namespace, name } = this.options;
    try {
      await this.api.patchNamespacedLease(
        { name, namespace, body: { spec: { holderIdentity: '', leaseDurationSeconds: 1 } } },
        mergePatch
      );
    } catch (err) {
      this.options.log(`releasing Lease failed: ${String(err)}`);
    }
  }
}

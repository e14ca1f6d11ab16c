/** Why events were discarded; the values are the `reason` label of the dropped metric. */
export type DropReason =
  | 'subscriber_overflow'
  | 'subscriber_disconnected'
  | 'subscriber_blocked_timeout'
  | 'peer_unavailable'
  | 'peer_queue_timeout';

/** Every reason, for pre-creating metric series. */
export const DROP_REASONS: readonly DropReason[] = [
  'subscriber_overflow',
  'subscriber_disconnected',
  'subscriber_blocked_timeout',
  'peer_unavailable',
  'peer_queue_timeout',
];

/**
 * What the pub/sub core reports as it moves events; the metrics module implements it. Calls
 * are per run (many events), never per event.
 */
export interface PubSubObserver {
  published(topic: string, events: number, bytes: number): void;
  delivered(topic: string, events: number, bytes: number, publishTimeMs: number): void;
  forwarded(events: number, bytes: number): void;
  receivedFromPeer(events: number, bytes: number): void;
  dropped(reason: DropReason, events: number): void;
}

/** An observer that ignores everything (unit tests, tools). */
export const NULL_OBSERVER: PubSubObserver = {
  published: () => undefined,
  delivered: () => undefined,
  forwarded: () => undefined,
  receivedFromPeer: () => undefined,
  dropped: () => undefined,
};

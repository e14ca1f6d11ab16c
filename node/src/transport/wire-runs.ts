import type { EventRun as WireRun, EventRun__Output } from '../gen/broker/v1/EventRun.js';
import { type EventRun, canonicalTopic, msToNs, nsToMs } from '../pubsub/index.js';

export type { WireRun };

/** Internal run -> proto message. */
export function toWireRun(run: EventRun): WireRun {
  return {
    topic: run.topic,
    data: run.data,
    sizes: run.sizes as number[],
    publish_time_unix_ns: run.publishTimeMs > 0 ? msToNs(run.publishTimeMs) : '0',
  };
}

/**
 * Proto message -> internal run, checking what a remote side could get wrong: the topic
 * syntax and that the sizes partition the data exactly. Throws a message naming the defect.
 */
export function fromWireRun(
  w: EventRun__Output,
  maxTopicLength: number,
  publishTimeMs?: number
): EventRun {
  const topic = canonicalTopic(w.topic, maxTopicLength);
  const data = w.data ?? Buffer.alloc(0);
  const sizes = w.sizes ?? [];
  if (sizes.length === 0) throw new Error(`run for ${w.topic} has no events`);
  let sum = 0;
  for (const s of sizes) sum += s;
  if (sum !== data.length) {
    throw new Error(`run for ${w.topic}: sizes add up to ${sum} bytes but data has ${data.length}`);
  }
  return {
    topic,
    data,
    sizes,
    publishTimeMs: publishTimeMs ?? nsToMs(w.publish_time_unix_ns),
  };
}

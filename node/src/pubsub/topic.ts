import { InvalidTopicError } from './errors.js';

/** Default maximum topic length in UTF-16 code units (the flag `--max-topic-length`). */
export const DEFAULT_MAX_TOPIC_LENGTH = 1024;

/**
 * Checks a topic (or subscription prefix) and throws {@link InvalidTopicError} naming the
 * defect. Topics are `/`-separated segments with an optional leading `/`; segments are not
 * empty (no `//`, no trailing `/`), and no control characters appear anywhere.
 */
export function validateTopic(topic: string, maxLength = DEFAULT_MAX_TOPIC_LENGTH): void {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new InvalidTopicError(String(topic), 'empty');
  }
  if (topic.length > maxLength) {
    throw new InvalidTopicError(
      topic,
      `longer than ${maxLength} characters (limit max-topic-length)`
    );
  }
  if (topic === '/') throw new InvalidTopicError(topic, 'no segments');
  const start = topic.charCodeAt(0) === 47 ? 1 : 0;
  let segmentLength = 0;
  for (let i = start; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      throw new InvalidTopicError(topic, `control character at position ${i}`);
    }
    if (c === 47) {
      if (segmentLength === 0) throw new InvalidTopicError(topic, `empty segment at position ${i}`);
      segmentLength = 0;
    } else {
      segmentLength++;
    }
  }
  if (segmentLength === 0) throw new InvalidTopicError(topic, 'ends with "/"');
}

/**
 * Segment-prefix match: `/a/b` matches `/a/b` and `/a/b/c`, never `/a/bc` (Broker compares
 * raw string prefixes, which is the defect this fixes).
 */
export function topicMatches(prefix: string, topic: string): boolean {
  if (topic.length === prefix.length) return topic === prefix;
  return (
    topic.length > prefix.length &&
    topic.charCodeAt(prefix.length) === 47 &&
    topic.startsWith(prefix)
  );
}

/** Every prefix of `topic` at a segment boundary, shortest first, the topic itself last. */
export function segmentPrefixes(topic: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < topic.length; i++) {
    if (topic.charCodeAt(i) === 47) out.push(topic.slice(0, i));
  }
  out.push(topic);
  return out;
}

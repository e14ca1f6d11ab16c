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
 * The one form a topic has inside the node and on the wire from it: with a leading `/`.
 * Broker's form (`zeek/conn`, no leading `/`) is accepted and means the same topic, so
 * `zeek/conn` and `/zeek/conn` are one topic; subscribers always see the canonical form.
 * Throws {@link InvalidTopicError} like {@link validateTopic}.
 */
export function canonicalTopic(topic: string, maxLength = DEFAULT_MAX_TOPIC_LENGTH): string {
  validateTopic(topic, maxLength);
  return topic.charCodeAt(0) === 47 ? topic : '/' + topic;
}

/** The subscription prefix that matches every topic (Broker's empty prefix). */
export const ALL_TOPICS = '';

/**
 * A subscription prefix in canonical form. As in Broker, the empty prefix (and `/`) match
 * every topic, and a trailing `/` (`zeek/cluster/`, Zeek's habit) is ignored: matching is by
 * whole segments anyway. Otherwise a prefix follows the topic syntax.
 */
export function canonicalPrefix(prefix: string, maxLength = DEFAULT_MAX_TOPIC_LENGTH): string {
  if (typeof prefix !== 'string') throw new InvalidTopicError(String(prefix), 'not a string');
  if (prefix === '' || prefix === '/') return ALL_TOPICS;
  const trimmed =
    prefix.length > 1 && prefix.charCodeAt(prefix.length - 1) === 47 ? prefix.slice(0, -1) : prefix;
  try {
    return canonicalTopic(trimmed, maxLength);
  } catch (e) {
    // Report the defect of what the caller gave (`a//` has an empty segment), not of the
    // trimmed form.
    if (trimmed !== prefix) validateTopic(prefix, maxLength);
    throw e;
  }
}

/**
 * Segment-prefix match: `/a/b` matches `/a/b` and `/a/b/c`, never `/a/bc` (Broker compares
 * raw string prefixes, which is the defect this fixes).
 */
export function topicMatches(prefix: string, topic: string): boolean {
  if (prefix === ALL_TOPICS) return true;
  if (topic.length === prefix.length) return topic === prefix;
  return (
    topic.length > prefix.length &&
    topic.charCodeAt(prefix.length) === 47 &&
    topic.startsWith(prefix)
  );
}

/**
 * Every prefix of `topic` at a segment boundary, shortest first (the empty prefix, which
 * matches everything), the topic itself last.
 */
export function segmentPrefixes(topic: string): string[] {
  const out: string[] = [ALL_TOPICS];
  for (let i = 1; i < topic.length; i++) {
    if (topic.charCodeAt(i) === 47) out.push(topic.slice(0, i));
  }
  out.push(topic);
  return out;
}

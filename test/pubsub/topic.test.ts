import { describe, expect, it } from '@jest/globals';
import {
  ALL_TOPICS,
  InvalidTopicError,
  TopicFilter,
  canonicalPrefix,
  canonicalTopic,
  segmentPrefixes,
  topicMatches,
  validateTopic,
} from '../../node/src/pubsub/index.js';

describe('topic syntax', () => {
  it.each(['/a', '/a/b', 'a', 'a/b/c', '/zeek/event/conn_log', '/a b/ü', '/' + 'x'.repeat(1023)])(
    'accepts %j',
    (t) => {
      expect(() => validateTopic(t)).not.toThrow();
    }
  );

  it.each([
    ['', /empty/],
    ['/', /no segments/],
    ['//a', /empty segment at position 1/],
    ['/a//b', /empty segment at position 3/],
    ['/a/', /ends with/],
    ['a/', /ends with/],
    ['/a\u0000b', /control character at position 2/],
    ['/a\tb', /control character/],
    ['/a\u007fb', /control character/],
    ['/a\u0085b', /control character/],
    ['/' + 'x'.repeat(1024), /longer than 1024/],
  ])('rejects %j', (t, why) => {
    expect(() => validateTopic(t)).toThrow(InvalidTopicError);
    expect(() => validateTopic(t)).toThrow(why);
  });

  it('honours a configured length limit', () => {
    expect(() => validateTopic('/abcd', 5)).not.toThrow();
    expect(() => validateTopic('/abcde', 5)).toThrow(/max-topic-length/);
  });
});

describe('segment-prefix matching', () => {
  it.each([
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/b/c/d', true],
    ['/a/b', '/a/bc', false],
    ['/a/b', '/a/', false],
    ['/a/b', '/a', false],
    ['/a/b', '/ab', false],
    ['a', 'a/b', true],
    ['a', '/a/b', false],
  ])('%j matches %j: %s', (prefix, topic, want) => {
    expect(topicMatches(prefix, topic)).toBe(want);
  });

  it('lists segment prefixes', () => {
    expect(segmentPrefixes('/a/b/c')).toEqual(['', '/a', '/a/b', '/a/b/c']);
    expect(segmentPrefixes('a/b')).toEqual(['', 'a', 'a/b']);
    expect(segmentPrefixes('/a')).toEqual(['', '/a']);
  });

  it('the empty prefix matches every topic', () => {
    expect(topicMatches(ALL_TOPICS, '/a/b')).toBe(true);
    const f = new TopicFilter();
    f.add([ALL_TOPICS]);
    expect(f.matches('/zeek/cluster/x')).toBe(true);
  });
});

// Issue 10, "Broker's topic conventions": `/lead` and `lead` were two topics, and Broker's
// subscribe-to-everything prefix ("") was refused.
describe("canonical topics accept Broker's form", () => {
  it.each([
    ['lead', '/lead'],
    ['/lead', '/lead'],
    ['zeek/cluster/node', '/zeek/cluster/node'],
  ])('topic %j is %j', (t, want) => {
    expect(canonicalTopic(t)).toBe(want);
  });

  it.each([
    ['', ALL_TOPICS],
    ['/', ALL_TOPICS],
    ['zeek/cluster/', '/zeek/cluster'],
    ['/zeek/cluster', '/zeek/cluster'],
    ['zeek', '/zeek'],
  ])('prefix %j is %j', (p, want) => {
    expect(canonicalPrefix(p)).toBe(want);
  });

  it.each([['//'], ['a//'], ['/a//b'], ['a\u0001']])('prefix %j is still refused', (p) => {
    expect(() => canonicalPrefix(p)).toThrow(InvalidTopicError);
  });

  it('topics keep the topic rules: "" and "/" are no topic', () => {
    expect(() => canonicalTopic('')).toThrow(/empty/);
    expect(() => canonicalTopic('/')).toThrow(/no segments/);
  });
});

describe('TopicFilter', () => {
  it('matches by whole segments and agrees with topicMatches', () => {
    const f = new TopicFilter();
    f.add(['/a/b', '/x']);
    for (const t of ['/a/b', '/a/b/c', '/a/bc', '/a', '/x', '/x/y', '/xy', '/q']) {
      expect(f.matches(t)).toBe(topicMatches('/a/b', t) || topicMatches('/x', t));
    }
  });

  it('counts holders: a prefix stays until its last holder removes it, and reports changes', () => {
    const f = new TopicFilter();
    expect(f.add(['/a'])).toBe(true);
    expect(f.add(['/a'])).toBe(false);
    expect(f.matches('/a/1')).toBe(true);
    expect(f.remove(['/a'])).toBe(false);
    expect(f.matches('/a/1')).toBe(true);
    expect(f.remove(['/a'])).toBe(true);
    expect(f.matches('/a/1')).toBe(false);
    expect(f.remove(['/never'])).toBe(false);
    expect(f.entries()).toEqual([]);
  });

  it('forgets memoised answers when the set changes', () => {
    const f = new TopicFilter();
    expect(f.matches('/m/1')).toBe(false);
    f.add(['/m']);
    expect(f.matches('/m/1')).toBe(true);
    f.replace(['/n']);
    expect(f.matches('/m/1')).toBe(false);
    expect(f.prefixes()).toEqual(['/n']);
  });

  it('keeps its memo bounded under many distinct topics', () => {
    const f = new TopicFilter();
    f.add(['/t']);
    for (let i = 0; i < 20_000; i++) expect(f.matches(`/t/${i}`)).toBe(true);
    expect(f.matches('/u/1')).toBe(false);
  });
});

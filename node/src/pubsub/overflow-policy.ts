/** What a subscriber's full queue does to new events. */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'disconnect';

export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['block', 'drop-oldest', 'disconnect'];

export function isOverflowPolicy(s: string): s is OverflowPolicy {
  return (OVERFLOW_POLICIES as readonly string[]).includes(s);
}

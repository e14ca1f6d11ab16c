/**
 * Replica placement by rendezvous (highest random weight) hashing: every member gets a score
 * for a key, and the key's replicas go to the highest scores. Removing a member changes only
 * the keys it held; adding one takes from each other member its share and nothing else.
 *
 * The score is the first 8 bytes (big-endian, so a 64-bit unsigned number) of
 * SHA-256(UTF-8(key) || 0x00 || UTF-8(member)). SHA-256 is stable across versions and
 * platforms and well mixed by construction; the NUL separator cannot occur in a member id or
 * store name, so (key, member) pairs never collide by concatenation. Equal scores (2^-64
 * likely) are ordered by member id, so the ranking is total and deterministic.
 */
import { createHash } from 'node:crypto';
import type { StoreRecord } from './types.js';

/** The 64-bit HRW score of `member` for `key`, as an unsigned bigint. */
export function hrwScore(key: string, member: string): bigint {
  const digest = createHash('sha256').update(key).update('\0').update(member).digest();
  return digest.readBigUInt64BE(0);
}

/** `members` (duplicates dropped) ordered from the highest HRW score for `key` to the lowest. */
export function hrwRank(key: string, members: readonly string[]): string[] {
  const scored = [...new Set(members)].map((m) => ({ m, s: hrwScore(key, m) }));
  scored.sort((a, b) => (a.s > b.s ? -1 : a.s < b.s ? 1 : a.m < b.m ? -1 : a.m > b.m ? 1 : 0));
  return scored.map((x) => x.m);
}

/** The initial placement of a store: the first `rf` of hrwRank(name, members). */
export function placeStore(name: string, rf: number, members: readonly string[]): string[] {
  return hrwRank(name, members).slice(0, Math.max(0, rf));
}

/**
 * The replica set a store should have when only `eligible` members may hold replicas (the
 * manager passes active members; draining, joining and removed ones are left out).
 *
 * Minimal movement: current replicas that are still eligible stay (in their current order);
 * only the places of those that are not are refilled, from the store's HRW ranking over
 * `eligible`. So a member leaving moves exactly its own replicas, one per store, and a member
 * joining moves nothing (spreading onto new members is the placement driver's decision). If
 * more eligible replicas exist than the replication factor, the lowest-ranked are dropped.
 * With fewer eligible members than the replication factor the result is shorter than it: the
 * caller must then not remove a replica it cannot replace.
 *
 * The result equals `store.replicas` (same order) when nothing needs to move.
 */
export function desiredReplicas(store: StoreRecord, eligible: readonly string[]): string[] {
  const rf = store.replicationFactor;
  const rank = hrwRank(store.name, eligible);
  const pos = new Map(rank.map((m, i) => [m, i] as const));
  let keep = [...new Set(store.replicas)].filter((m) => pos.has(m));
  if (keep.length > rf) {
    const best = new Set(
      [...keep].sort((a, b) => (pos.get(a) as number) - (pos.get(b) as number)).slice(0, rf)
    );
    keep = keep.filter((m) => best.has(m));
  }
  const have = new Set(keep);
  for (const m of rank) {
    if (keep.length >= rf) break;
    if (!have.has(m)) {
      keep.push(m);
      have.add(m);
    }
  }
  return keep;
}

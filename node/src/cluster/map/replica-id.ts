import { InvalidReplicaIdError } from './errors.js';
import { MEMBER_ID_RE } from './names.js';

/**
 * The Raft replica id of a member's replica in any group: `${memberId}@${generation}`. A member
 * that lost its data comes back with generation+1, so its new replicas are new Raft replicas
 * and the vote and log the old ones had can never be claimed by an empty one.
 */
export function replicaId(memberId: string, generation: number): string {
  if (!MEMBER_ID_RE.test(memberId))
    throw new InvalidReplicaIdError(`invalid member id ${JSON.stringify(memberId)}`);
  if (!Number.isSafeInteger(generation) || generation < 0)
    throw new InvalidReplicaIdError(`invalid generation ${generation}`);
  return `${memberId}@${generation}`;
}

/** Splits a replica id; throws InvalidReplicaIdError naming what is wrong. */
export function parseReplicaId(id: string): { memberId: string; generation: number } {
  const at = typeof id === 'string' ? id.lastIndexOf('@') : -1;
  if (at < 0)
    throw new InvalidReplicaIdError(`replica id ${JSON.stringify(id)} is not MEMBER@GENERATION`);
  const memberId = id.slice(0, at);
  const gen = id.slice(at + 1);
  if (!MEMBER_ID_RE.test(memberId))
    throw new InvalidReplicaIdError(`replica id ${JSON.stringify(id)}: invalid member id`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(gen) || !Number.isSafeInteger(Number(gen)))
    throw new InvalidReplicaIdError(`replica id ${JSON.stringify(id)}: invalid generation`);
  return { memberId, generation: Number(gen) };
}

import type { Condition, ConditionType } from '../api/index.js';

/**
 * `conditions` with `type` set to the given values; lastTransitionTime changes only when the
 * status does (the Kubernetes convention), observedGeneration always.
 */
export function setCondition(
  conditions: readonly Condition[],
  type: ConditionType,
  status: Condition['status'],
  reason: string,
  message: string,
  generation: number,
  now: Date
): Condition[] {
  const old = conditions.find((c) => c.type === type);
  const next: Condition = {
    type,
    status,
    reason,
    message,
    observedGeneration: generation,
    lastTransitionTime:
      old !== undefined && old.status === status ? old.lastTransitionTime : now.toISOString(),
  };
  const order: ConditionType[] = ['Available', 'Progressing', 'Degraded'];
  return order
    .map((t) => (t === type ? next : conditions.find((c) => c.type === t)))
    .filter((c): c is Condition => c !== undefined);
}

export function conditionStatus(
  conditions: readonly Condition[] | undefined,
  type: ConditionType
): Condition['status'] | undefined {
  return conditions?.find((c) => c.type === type)?.status;
}

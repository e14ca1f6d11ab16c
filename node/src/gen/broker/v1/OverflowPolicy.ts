// Original file: proto/broker/v1/client.proto

export const OverflowPolicy = {
  OVERFLOW_POLICY_UNSPECIFIED: 'OVERFLOW_POLICY_UNSPECIFIED',
  OVERFLOW_POLICY_BLOCK: 'OVERFLOW_POLICY_BLOCK',
  OVERFLOW_POLICY_DROP_OLDEST: 'OVERFLOW_POLICY_DROP_OLDEST',
  OVERFLOW_POLICY_DISCONNECT: 'OVERFLOW_POLICY_DISCONNECT',
} as const;

export type OverflowPolicy =
  | 'OVERFLOW_POLICY_UNSPECIFIED'
  | 0
  | 'OVERFLOW_POLICY_BLOCK'
  | 1
  | 'OVERFLOW_POLICY_DROP_OLDEST'
  | 2
  | 'OVERFLOW_POLICY_DISCONNECT'
  | 3

export type OverflowPolicy__Output = typeof OverflowPolicy[keyof typeof OverflowPolicy]

// Original file: proto/broker/v1/admin.proto

export const MemberState = {
  MEMBER_STATE_UNSPECIFIED: 'MEMBER_STATE_UNSPECIFIED',
  MEMBER_STATE_JOINING: 'MEMBER_STATE_JOINING',
  MEMBER_STATE_ACTIVE: 'MEMBER_STATE_ACTIVE',
  MEMBER_STATE_DRAINING: 'MEMBER_STATE_DRAINING',
  MEMBER_STATE_REMOVED: 'MEMBER_STATE_REMOVED',
} as const;

export type MemberState =
  | 'MEMBER_STATE_UNSPECIFIED'
  | 0
  | 'MEMBER_STATE_JOINING'
  | 1
  | 'MEMBER_STATE_ACTIVE'
  | 2
  | 'MEMBER_STATE_DRAINING'
  | 3
  | 'MEMBER_STATE_REMOVED'
  | 4

export type MemberState__Output = typeof MemberState[keyof typeof MemberState]

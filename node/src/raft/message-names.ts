import { MessageType } from './types.js';

const NAMES: Record<number, string> = {
  [MessageType.Append]: 'MsgApp',
  [MessageType.AppendResponse]: 'MsgAppResp',
  [MessageType.Vote]: 'MsgVote',
  [MessageType.VoteResponse]: 'MsgVoteResp',
  [MessageType.PreVote]: 'MsgPreVote',
  [MessageType.PreVoteResponse]: 'MsgPreVoteResp',
  [MessageType.Heartbeat]: 'MsgHeartbeat',
  [MessageType.HeartbeatResponse]: 'MsgHeartbeatResp',
  [MessageType.Snapshot]: 'MsgSnap',
  [MessageType.SnapshotResponse]: 'MsgSnapStatus',
  [MessageType.TimeoutNow]: 'MsgTimeoutNow',
  [MessageType.TransferLeader]: 'MsgTransferLeader',
  [MessageType.ReadIndex]: 'MsgReadIndex',
  [MessageType.ReadIndexResponse]: 'MsgReadIndexResp',
  [MessageType.Propose]: 'MsgProp',
};

/** Short etcd-style name of a message type, for logs and diagnostics (e.g. "MsgApp"). */
export function messageTypeName(t: number): string {
  return NAMES[t] ?? `Msg(${t})`;
}

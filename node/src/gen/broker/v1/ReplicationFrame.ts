// Original file: proto/broker/v1/peer.proto

import type { PeerChallenge as _broker_v1_PeerChallenge, PeerChallenge__Output as _broker_v1_PeerChallenge__Output } from '../../broker/v1/PeerChallenge.js';
import type { PeerProof as _broker_v1_PeerProof, PeerProof__Output as _broker_v1_PeerProof__Output } from '../../broker/v1/PeerProof.js';
import type { RaftBatch as _broker_v1_RaftBatch, RaftBatch__Output as _broker_v1_RaftBatch__Output } from '../../broker/v1/RaftBatch.js';
import type { SnapshotHeader as _broker_v1_SnapshotHeader, SnapshotHeader__Output as _broker_v1_SnapshotHeader__Output } from '../../broker/v1/SnapshotHeader.js';
import type { RaftSnapshotChunk as _broker_v1_RaftSnapshotChunk, RaftSnapshotChunk__Output as _broker_v1_RaftSnapshotChunk__Output } from '../../broker/v1/RaftSnapshotChunk.js';
import type { SnapshotProgress as _broker_v1_SnapshotProgress, SnapshotProgress__Output as _broker_v1_SnapshotProgress__Output } from '../../broker/v1/SnapshotProgress.js';

export interface ReplicationFrame {
  'challenge'?: (_broker_v1_PeerChallenge | null);
  'proof'?: (_broker_v1_PeerProof | null);
  'batch'?: (_broker_v1_RaftBatch | null);
  'snapshot_header'?: (_broker_v1_SnapshotHeader | null);
  'snapshot_chunk'?: (_broker_v1_RaftSnapshotChunk | null);
  'snapshot_progress'?: (_broker_v1_SnapshotProgress | null);
  'body'?: "challenge"|"proof"|"batch"|"snapshot_header"|"snapshot_chunk"|"snapshot_progress";
}

export interface ReplicationFrame__Output {
  'challenge'?: (_broker_v1_PeerChallenge__Output | null);
  'proof'?: (_broker_v1_PeerProof__Output | null);
  'batch'?: (_broker_v1_RaftBatch__Output | null);
  'snapshot_header'?: (_broker_v1_SnapshotHeader__Output | null);
  'snapshot_chunk'?: (_broker_v1_RaftSnapshotChunk__Output | null);
  'snapshot_progress'?: (_broker_v1_SnapshotProgress__Output | null);
  'body'?: "challenge"|"proof"|"batch"|"snapshot_header"|"snapshot_chunk"|"snapshot_progress";
}

import { ConfigError } from './errors.js';
import type { Config, Logger, ReadOnlyOption, Storage } from './types.js';

/** Defaults applied by validateConfig for optional Config fields. */
export const CONFIG_DEFAULTS = {
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxInflightBytes: 32 * 1024 * 1024,
  maxUncommittedEntriesSize: 64 * 1024 * 1024,
  maxPendingReadIndex: 4096,
} as const;

/** A Config with every optional field filled in and every value checked. */
export interface ResolvedConfig {
  readonly id: string;
  readonly group: string;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly storage: Storage;
  readonly applied: number;
  readonly maxSizePerMsg: number;
  readonly maxCommittedSizePerReady: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxUncommittedEntriesSize: number;
  readonly maxPendingReadIndex: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly readOnlyOption: ReadOnlyOption;
  readonly disableProposalForwarding: boolean;
  readonly random: () => number;
  readonly logger: Logger;
}

const SILENT: Logger = { debug() {}, info() {}, warn() {} };

function positiveInt(name: string, v: unknown, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new ConfigError(`raft config: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/**
 * Checks a Config and fills defaults. Throws ConfigError naming the first bad field.
 * Rejects lease-based reads without checkQuorum: a lease is only safe while the leader
 * steps down on losing its quorum.
 */
export function validateConfig(c: Config): ResolvedConfig {
  if (c === null || typeof c !== 'object') throw new ConfigError('raft config: not an object');
  if (typeof c.id !== 'string' || c.id === '') {
    throw new ConfigError('raft config: id must be a non-empty string');
  }
  if (typeof c.group !== 'string' || c.group === '') {
    throw new ConfigError('raft config: group must be a non-empty string');
  }
  const heartbeatTick = positiveInt('heartbeatTick', c.heartbeatTick);
  const electionTick = positiveInt('electionTick', c.electionTick);
  if (electionTick <= heartbeatTick) {
    throw new ConfigError(
      `raft config: electionTick (${electionTick}) must be greater than heartbeatTick (${heartbeatTick})`
    );
  }
  if (
    c.storage === null ||
    typeof c.storage !== 'object' ||
    typeof c.storage.initialState !== 'function'
  ) {
    throw new ConfigError('raft config: storage must implement Storage');
  }
  if (typeof c.random !== 'function') {
    throw new ConfigError('raft config: random must be a function returning [0, 1)');
  }
  const applied = c.applied ?? 0;
  if (!Number.isSafeInteger(applied) || applied < 0) {
    throw new ConfigError(`raft config: applied must be an integer >= 0, got ${String(applied)}`);
  }
  const maxSizePerMsg = positiveInt(
    'maxSizePerMsg',
    c.maxSizePerMsg,
    CONFIG_DEFAULTS.maxSizePerMsg
  );
  const maxCommittedSizePerReady = positiveInt(
    'maxCommittedSizePerReady',
    c.maxCommittedSizePerReady,
    maxSizePerMsg
  );
  const maxInflightMsgs = positiveInt(
    'maxInflightMsgs',
    c.maxInflightMsgs,
    CONFIG_DEFAULTS.maxInflightMsgs
  );
  const maxInflightBytes = positiveInt(
    'maxInflightBytes',
    c.maxInflightBytes,
    Math.max(CONFIG_DEFAULTS.maxInflightBytes, maxSizePerMsg)
  );
  if (maxInflightBytes < maxSizePerMsg) {
    throw new ConfigError(
      `raft config: maxInflightBytes (${maxInflightBytes}) must be >= maxSizePerMsg (${maxSizePerMsg})`
    );
  }
  const maxUncommittedEntriesSize = positiveInt(
    'maxUncommittedEntriesSize',
    c.maxUncommittedEntriesSize,
    CONFIG_DEFAULTS.maxUncommittedEntriesSize
  );
  const maxPendingReadIndex = positiveInt(
    'maxPendingReadIndex',
    c.maxPendingReadIndex,
    CONFIG_DEFAULTS.maxPendingReadIndex
  );
  const readOnlyOption = c.readOnlyOption ?? 'safe';
  if (readOnlyOption !== 'safe' && readOnlyOption !== 'lease-based') {
    throw new ConfigError(
      `raft config: readOnlyOption must be 'safe' or 'lease-based', got ${String(readOnlyOption)}`
    );
  }
  const checkQuorum = c.checkQuorum ?? false;
  if (readOnlyOption === 'lease-based' && !checkQuorum) {
    throw new ConfigError(
      "raft config: readOnlyOption 'lease-based' requires checkQuorum: true (a lease is only safe while the leader steps down on losing its quorum)"
    );
  }
  return {
    id: c.id,
    group: c.group,
    electionTick,
    heartbeatTick,
    storage: c.storage,
    applied,
    maxSizePerMsg,
    maxCommittedSizePerReady,
    maxInflightMsgs,
    maxInflightBytes,
    maxUncommittedEntriesSize,
    maxPendingReadIndex,
    checkQuorum,
    preVote: c.preVote ?? false,
    readOnlyOption,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    random: c.random,
    logger: c.logger ?? SILENT,
  };
}

/** Log levels, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** A structured logger: one JSON object per line on stderr. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines to stderr, tagged with the peer id. */
export function jsonLogger(peerId: string, level: LogLevel): Logger {
  const max = RANK[level];
  return {
    log(l, msg, fields) {
      if (RANK[l] > max) return;
      const line = JSON.stringify({
        time: new Date().toISOString(),
        level: l,
        peer: peerId,
        msg,
        ...fields,
      });
      process.stderr.write(line + '\n');
    },
  };
}

/** A logger that discards everything. */
export const SILENT_LOGGER: Logger = { log: () => undefined };

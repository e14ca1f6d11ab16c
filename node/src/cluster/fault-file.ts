/**
 * TEST ONLY (`--fault-file`): a JSON file `{"blocked": ["b", "c"]}` that says which members
 * this peer must not exchange replication traffic with, re-read every 100 ms. Tests write it
 * on both sides to partition peers without network namespaces. Absent or unreadable file =
 * nothing blocked; a malformed one is logged once per change and ignored.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../config/index.js';
import type { LinkFilter } from '../replication/index.js';

const POLL_MS = 100;

export class FaultFile implements LinkFilter {
  private blockedIds = new Set<string>();
  private lastText = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly log: Logger
  ) {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
    void this.poll();
  }

  blocked(memberId: string): boolean {
    return this.blockedIds.has(memberId);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      text = '';
    }
    if (text === this.lastText) return;
    this.lastText = text;
    if (text.trim() === '') {
      this.blockedIds = new Set();
      return;
    }
    try {
      const v: unknown = JSON.parse(text);
      const list = (v as { blocked?: unknown }).blocked;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
        throw new Error('"blocked" must be an array of member ids');
      this.blockedIds = new Set(list as string[]);
      this.log.log('warn', 'fault file: blocking replication traffic', { blocked: list });
    } catch (e) {
      this.log.log('warn', 'fault file ignored', { path: this.path, error: (e as Error).message });
    }
  }
}

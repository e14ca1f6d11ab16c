/** File-system steps the durability argument depends on. */
import { open } from 'node:fs/promises';

/**
 * Fsyncs a directory, so that file creations, renames and deletions in it survive a crash.
 * (On Linux a file's own fsync does not persist its directory entry.)
 */
export async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

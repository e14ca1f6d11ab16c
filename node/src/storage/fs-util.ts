/** File-system steps the durability argument depends on. */
import { open, type FileHandle } from 'node:fs/promises';

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

/** Writes all of `b` at `position`: one write() may write less than asked. */
export async function writeFully(fh: FileHandle, b: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < b.length) {
    const { bytesWritten } = await fh.write(b, done, b.length - done, position + done);
    done += bytesWritten;
  }
}

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

/**
 * Reads `size` bytes from the start of the file: one read() may return less than asked (reads
 * beyond about 2 GiB always do). Returns fewer only if the file is shorter.
 */
export async function readFully(fh: FileHandle, size: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const { bytesRead } = await fh.read(b, got, size - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}

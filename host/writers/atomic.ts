import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `path` so that a reader sees the old file or the new one, never a partial one: temp file, fsync, rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, tmpDir = dirname(path)): Promise<void> {
  const tmp = join(tmpDir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
}

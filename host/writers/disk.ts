import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';

/** The host's disk refused: full, read-only or not writable. `code` is the errno (ENOSPC, EROFS, EACCES, …). */
export class HostDiskError extends OmvError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Bytes this user may still write on the filesystem holding `path` (the nearest existing folder of it). */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(await nearestExisting(path));
  return s.bavail * s.bsize;
}

/**
 * Turns an error from writing under `dir` into a HostDiskError with a sentence for a person, when it is the disk's
 * fault (full, read-only, permissions, quota); any other error is returned as it is. `elsewhere` is what the user
 * can do instead ("export to another folder with --out").
 */
export async function diskError(err: unknown, dir: string, what: string, elsewhere = 'choose another folder'): Promise<unknown> {
  if (err instanceof HostDiskError) return err;
  let code = errnoOf(err);
  // HDF5 (h5wasm) reports a failed write without its errno; on a filesystem with no room left it is that.
  if (code === undefined && /write failed/i.test(err instanceof Error ? err.message : '') && (await freeBytes(dir).catch(() => Infinity)) < 2 ** 20) code = 'ENOSPC';
  const options = { cause: err };
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT': {
      const free = await freeBytes(dir).catch(() => undefined);
      return new HostDiskError(code, `${dir} is full${free === undefined ? '' : ` (${megabytes(free)} free)`}: ${what} failed; free some space or ${elsewhere}`, options);
    }
    case 'EROFS':
      return new HostDiskError(code, `${dir} is on a read-only filesystem: ${what} failed; ${elsewhere}`, options);
    case 'EACCES':
    case 'EPERM':
      return new HostDiskError(code, `${dir} is not writable by this user (uid ${process.getuid?.() ?? '?'}): ${what} failed; change its permissions or ${elsewhere}`, options);
    default:
      return err;
  }
}

/** The errno of a Node error, or the one named in an HDF5 (h5wasm) message, which carries only the text. */
function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const message = err instanceof Error ? err.message : '';
  if (/No space left on device/i.test(message)) return 'ENOSPC';
  if (/Read-only file system/i.test(message)) return 'EROFS';
  if (/Permission denied/i.test(message)) return 'EACCES';
  return undefined;
}

/**
 * Creates `dir` and its missing parents, reporting the real reason when it cannot: Node's recursive mkdir says
 * ENOENT for a read-only parent, so each level is made on its own.
 */
export async function ensureDir(dir: string, elsewhere?: string): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const s = await stat(at).catch((err: unknown) => {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (s) {
      if (!s.isDirectory()) throw new OmvError('ENOTDIR', `${at} is a file, not a folder: choose another folder for the outputs`);
      break;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') continue;
      throw await diskError(err, dirname(d), `creating ${d}`, elsewhere);
    }
  }
}

/** Creates `dir` if needed and proves this user can write in it, so a run fails before it starts, not after an hour. */
export async function checkWritable(dir: string, elsewhere?: string): Promise<void> {
  await ensureDir(dir, elsewhere);
  const probe = join(dir, `.omvd-probe-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (err) {
    throw await diskError(err, dir, `creating a file in ${dir}`, elsewhere);
  }
  await rm(probe, { force: true });
}

async function nearestExisting(path: string): Promise<string> {
  for (let at = path; ; at = dirname(at)) {
    if (await stat(at).then(() => true, () => false)) return at;
    if (dirname(at) === at) return at;
  }
}

import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../writers/atomic.js';

/** Where a download in progress lives: `<dir>/.partial/<name>` and its state file beside it. */
export function partialPaths(dir: string, name: string): { data: string; state: string } {
  return { data: join(dir, '.partial', name), state: join(dir, '.partial', `${name}.state.json`) };
}

interface State {
  name: string;
  /** Bytes written and fsynced before this state was saved: a restart trusts exactly these. */
  verified: number;
}

/**
 * A resumable download: bytes are appended at known offsets, fsynced, and only then counted in the state file,
 * so after a crash or SIGKILL the next run trusts exactly what reached the disk and continues from there. The
 * SHA-256 runs alongside (re-read from disk on resume).
 */
export class PartialFile {
  private constructor(
    private readonly fh: FileHandle,
    private readonly paths: { data: string; state: string },
    private readonly name: string,
    private readonly hash: Hash,
    public length: number,
    private synced: number,
  ) {}

  static async open(dir: string, name: string): Promise<PartialFile> {
    const paths = partialPaths(dir, name);
    await mkdir(join(dir, '.partial'), { recursive: true });
    let verified = 0;
    try {
      const state = JSON.parse(await readFile(paths.state, 'utf8')) as State;
      if (state.name === name && Number.isSafeInteger(state.verified) && state.verified >= 0) verified = state.verified;
    } catch {
      verified = 0;
    }
    const fh = await open(paths.data, 'a+');
    const size = (await fh.stat()).size;
    verified = Math.min(verified, size);
    await fh.truncate(verified);
    const hash = createHash('sha256');
    const buf = new Uint8Array(1 << 20);
    for (let at = 0; at < verified; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, verified - at), at);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
    await fh.close();
    return new PartialFile(await open(paths.data, 'r+'), paths, name, hash, verified, verified);
  }

  async append(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, this.length + done);
      done += bytesWritten;
    }
    this.hash.update(data);
    this.length += data.length;
  }

  /** Bytes appended since the last checkpoint. */
  get unsynced(): number {
    return this.length - this.synced;
  }

  /** Makes what was appended durable and records it as the point to resume from. */
  async checkpoint(): Promise<void> {
    if (this.synced === this.length) return;
    await this.fh.sync();
    await writeFileAtomic(this.paths.state, JSON.stringify({ name: this.name, verified: this.length } satisfies State));
    this.synced = this.length;
  }

  /** SHA-256 of the bytes so far (the running hash continues). */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  /** Durably moves the complete file to `path` and forgets the download. */
  async publish(path: string): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.paths.data, path);
    await rm(this.paths.state, { force: true });
  }

  /** Sets the bytes aside as `<name>.corrupt` beside the partial folder's files, and starts over on the next open. */
  async discard(): Promise<string> {
    await this.fh.close();
    const kept = `${this.paths.data}.corrupt`;
    await rename(this.paths.data, kept);
    await rm(this.paths.state, { force: true });
    return kept;
  }

  async close(): Promise<void> {
    await this.checkpoint();
    await this.fh.close();
  }
}

import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OmvError } from '../../../protocol/errors.js';
import { writeFileAtomic } from '../atomic.js';

/**
 * roverd's blob channels (`jpg`, `npz`): a folder of `000000.<ext>`, `000001.<ext>`, …, one file per sample.
 * roverd counts the files, so nothing else may ever be in the folder: each blob is written in a sibling
 * temp folder and renamed in.
 */
export class BlobChannel {
  private next: number | undefined;

  constructor(readonly path: string, readonly ext: string) {}

  private get tmpDir(): string {
    return `${this.path}.tmp`;
  }

  static blobName(index: number, ext: string): string {
    return `${String(index).padStart(6, '0')}.${ext}`;
  }

  /** Number of blobs. A file that is not a blob of this channel is an error, since roverd would count it. */
  async length(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const pattern = new RegExp(`^\\d{6,}\\.${this.ext.replace(/\W/g, '\\$&')}$`);
    const stray = names.find((n) => !pattern.test(n));
    if (stray) throw new OmvError('ESTRAY', `${join(this.path, stray)} is not a ${this.ext} blob; roverd would count it as a sample: move it out of the folder`);
    return names.length;
  }

  /** Adds one blob after the existing ones (or at 0 after `reset`). Leftover temp files from a crash are removed first. */
  async append(bytes: Uint8Array): Promise<number> {
    if (this.next === undefined) {
      await rm(this.tmpDir, { recursive: true, force: true });
      await mkdir(this.tmpDir, { recursive: true });
      await mkdir(this.path, { recursive: true });
      this.next = await this.length();
    }
    const index = this.next++;
    await writeFileAtomic(join(this.path, BlobChannel.blobName(index, this.ext)), bytes, this.tmpDir);
    return index;
  }

  async read(index: number): Promise<Uint8Array> {
    const length = await this.length();
    if (!Number.isInteger(index) || index < 0 || index >= length) throw new RangeError(`${this.path}: blob ${index} is out of range (it has ${length})`);
    return new Uint8Array(await readFile(join(this.path, BlobChannel.blobName(index, this.ext))));
  }

  /** Removes the temp folder once writing is done. */
  async close(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FormatError } from '../../../protocol/errors.js';
import { writeFileAtomic } from '../atomic.js';
import type { Dtype } from '../dtype.js';
import { Channel, type SampleSource, type WriteOptions } from './channel.js';
import { ChannelBusyError, StrayFileError } from './errors.js';
import { readAhead, mapLimit } from './pool.js';
import { readFully } from './io.js';

export interface BlobOptions {
  /** File extension of every blob, which is also roverd's format name: `jpg` or `npz`. */
  ext: string;
  /** Concurrent file reads in `read` and `stream`. */
  workers?: number;
  /** A stored blob larger than this is refused before it is read. */
  maxBlobBytes?: number;
}

/**
 * roverd's blob channels (`jpg`, `npz`): a folder of `000000.<ext>`, `000001.<ext>`, … (`%06d`), one file per sample.
 *
 * This channel stores and returns each blob's bytes as they are: `read` and `stream` give the file contents
 * (`Uint8Array` per blob), `write` and `consume` take them (for `jpg`, the camera's JPEG bytes, untouched). Decoding
 * is not its job; `dtype` and `shape` describe the decoded sample roverd returns (`u1` × `[H, W, 3]` for a JPEG)
 * and go into meta.json, and `size` is that decoded size, not the stored one.
 *
 * roverd's length is the number of entries in the folder, so nothing else may ever be in it: each blob is written
 * to a temp folder beside it (`.<name>.tmp`, same filesystem), fsynced and renamed in, in index order, so a crash
 * leaves whole blobs `0 … n-1` and at most a leftover temp file, which the next writer removes. A file in the folder
 * that is not a blob in sequence is a `StrayFileError`, never counted: `length` and `read`/`stream` check every
 * entry, and so does the first write of a channel object (later appends trust the count they keep).
 */
export class BlobChannel extends Channel<Uint8Array, Uint8Array[]> {
  readonly ext: string;
  readonly workers: number;
  readonly maxBlobBytes: number;
  /** The next index to write, known once a write has opened the channel. */
  private next: number | undefined;
  private busy = false;

  constructor(path: string, dtype: Dtype, shape: readonly number[], { ext, workers = 8, maxBlobBytes = 2 ** 30 }: BlobOptions) {
    super(path, dtype, shape);
    if (!/^[A-Za-z0-9]+$/.test(ext)) throw new RangeError(`${path}: blob extension "${ext}" must be letters and digits`);
    if (!Number.isSafeInteger(workers) || workers < 1) throw new RangeError(`${path}: workers must be an integer ≥ 1, got ${workers}`);
    this.ext = ext;
    this.workers = workers;
    this.maxBlobBytes = maxBlobBytes;
  }

  static blobName(index: number, ext: string): string {
    return `${String(index).padStart(6, '0')}.${ext}`;
  }

  /** Where blobs are written before they are renamed in: beside the folder, never in it. */
  get tmpDir(): string {
    return join(dirname(this.path), `.${basename(this.path)}.tmp`);
  }

  openLike(path: string): BlobChannel {
    return new BlobChannel(path, this.dtype, this.shape, { ext: this.ext, workers: this.workers, maxBlobBytes: this.maxBlobBytes });
  }

  /** Number of blobs; a missing folder holds 0. Any entry that is not blob `0 … n-1` is a StrayFileError. */
  async length(): Promise<number> {
    let entries;
    try {
      entries = await readdir(this.path, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    for (const entry of entries) {
      const file = join(this.path, entry.name);
      const stem = entry.name.endsWith(`.${this.ext}`) ? entry.name.slice(0, -this.ext.length - 1) : '';
      const index = /^\d{6,}$/.test(stem) ? Number(stem) : -1;
      if (index < 0 || BlobChannel.blobName(index, this.ext) !== entry.name || !entry.isFile()) {
        throw new StrayFileError(file, `is not a ${this.ext} blob of this channel`);
      }
      if (index >= entries.length) {
        throw new StrayFileError(file, `is out of sequence: the folder holds ${entries.length} entries, so blobs must be numbered 0 to ${entries.length - 1}`);
      }
    }
    return entries.length;
  }

  /** The stored bytes of blobs `[start, start + samples)`, read `workers` at a time. */
  async read(start = 0, samples = -1): Promise<Uint8Array[]> {
    const count = this.span(start, samples, await this.length());
    return mapLimit(count, this.workers, (i) => this.readBlob(start + i));
  }

  /** Stores each item of `blobs` as the next blob (after the existing ones with `append`, else replacing them). */
  async write(blobs: readonly Uint8Array[], { append = false }: WriteOptions = {}): Promise<void> {
    blobs.forEach((b, i) => this.check(b, i));
    await this.writing(append, async (put) => {
      for (const b of blobs) await put(b);
    });
  }

  async consume(source: SampleSource<Uint8Array>, { append = false }: WriteOptions = {}): Promise<void> {
    await this.writing(append, async (put) => {
      let i = 0;
      for await (const b of source) await put(this.check(b, i++));
    });
  }

  /** Removes the temp folder; the next write opens the channel again. */
  async close(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    this.next = undefined;
  }

  protected async *batches(size: number): AsyncGenerator<Uint8Array[]> {
    let batch: Uint8Array[] = [];
    for await (const blob of readAhead(await this.length(), this.workers, (i) => this.readBlob(i))) {
      batch.push(blob);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  protected first(batch: Uint8Array[]): Uint8Array {
    return batch[0] as Uint8Array;
  }

  private file(index: number): string {
    return join(this.path, BlobChannel.blobName(index, this.ext));
  }

  private check(blob: Uint8Array, i: number): Uint8Array {
    if (!(blob instanceof Uint8Array)) throw new TypeError(`${this.path}: blob ${i} must be a Uint8Array of the stored file's bytes`);
    if (blob.length === 0) throw new RangeError(`${this.path}: blob ${i} is empty; a ${this.ext} file has at least one byte`);
    return blob;
  }

  private async readBlob(index: number): Promise<Uint8Array> {
    const file = this.file(index);
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      if (size > this.maxBlobBytes) throw new FormatError(`${file} is ${size} bytes, over the ${this.maxBlobBytes}-byte limit for one blob: raise maxBlobBytes if it is genuine`);
      return await readFully(fh, new Uint8Array(size), 0, file);
    } finally {
      await fh.close();
    }
  }

  /** Runs one write: opens the channel (leftover temp files removed, existing blobs counted or cleared), one writer at a time. */
  private async writing(append: boolean, body: (put: (blob: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
    if (this.busy) throw new ChannelBusyError(this.path);
    this.busy = true;
    try {
      if (this.next === undefined) {
        await rm(this.tmpDir, { recursive: true, force: true });
        await mkdir(this.tmpDir, { recursive: true });
        await mkdir(this.path, { recursive: true });
      }
      this.next = append ? (this.next ?? (await this.length())) : await this.clear();
      await body(async (blob) => {
        const index = this.next as number;
        await writeFileAtomic(this.file(index), blob, this.tmpDir);
        this.next = index + 1;
      });
    } finally {
      this.busy = false;
    }
  }

  /** Deletes every blob, last first, so a crash part-way leaves blobs 0 … k, still a valid channel. */
  private async clear(): Promise<number> {
    for (let i = (await this.length()) - 1; i >= 0; i--) await rm(this.file(i));
    return 0;
  }
}

import { open, stat, type FileHandle } from 'node:fs/promises';
import { DTYPES, type AnyTypedArray } from '../dtype.js';
import { Channel, type ArrayData, type SampleSource, type WriteOptions } from './channel.js';
import { readFully } from './io.js';

/** Bytes per positioned read while streaming: small samples are read many at a time. */
const STREAM_CHUNK = 1 << 16;

/**
 * roverd's `raw` channel: samples concatenated in one headerless little-endian file. Its length is
 * floor(file size / sample size): a trailing partial sample (a crash mid-append) is not counted, and an append
 * first cuts it off so later samples stay aligned. Writes take a typed array of the channel's dtype, or
 * `Uint8Array` bytes already laid out as samples.
 */
export class RawChannel extends Channel<ArrayData, ArrayData, AnyTypedArray, AnyTypedArray> {
  openLike(path: string): RawChannel {
    return new RawChannel(path, this.dtype, this.shape);
  }

  async length(): Promise<number> {
    try {
      return Math.floor((await stat(this.path)).size / this.size);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  async read(start = 0, samples = -1): Promise<ArrayData> {
    const count = this.span(start, samples, await this.length());
    const buf = new Uint8Array(count * this.size);
    if (count > 0) {
      const fh = await open(this.path, 'r');
      try {
        await readFully(fh, buf, start * this.size, this.path);
      } finally {
        await fh.close();
      }
    }
    return this.bufferToArray(buf);
  }

  /** Writes whole samples: `data` holds any number of them, back to back. */
  async write(data: AnyTypedArray, { append = false }: WriteOptions = {}): Promise<void> {
    const bytes = this.bytes(data, false);
    const fh = await this.openForWrite(append);
    try {
      await fh.writeFile(bytes);
    } finally {
      await fh.close();
    }
  }

  /** Writes each item of `source`, which must be exactly one sample. */
  async consume(source: SampleSource<AnyTypedArray>, { append = false }: WriteOptions = {}): Promise<void> {
    const fh = await this.openForWrite(append);
    try {
      for await (const item of source) await fh.writeFile(this.bytes(item, true));
    } finally {
      await fh.close();
    }
  }

  protected async *batches(size: number): AsyncGenerator<ArrayData> {
    const length = await this.length();
    if (length === 0) return;
    const perRead = size * Math.max(1, Math.floor(STREAM_CHUNK / (size * this.size)));
    const fh = await open(this.path, 'r');
    try {
      for (let start = 0; start < length; start += perRead) {
        const n = Math.min(perRead, length - start);
        const buf = await readFully(fh, new Uint8Array(n * this.size), start * this.size, this.path);
        for (let at = 0; at < n; at += size) {
          yield this.bufferToArray(buf.subarray(at * this.size, Math.min(at + size, n) * this.size));
        }
      }
    } finally {
      await fh.close();
    }
  }

  protected first(batch: ArrayData): ArrayData {
    return { data: batch.data, shape: batch.shape.slice(1) };
  }

  private async openForWrite(append: boolean): Promise<FileHandle> {
    const fh = await open(this.path, append ? 'a' : 'w');
    if (append) {
      try {
        const { size } = await fh.stat();
        const torn = size % this.size;
        if (torn !== 0) await fh.truncate(size - torn);
      } catch (err) {
        await fh.close();
        throw err;
      }
    }
    return fh;
  }

  /** The bytes of `data`, checked: its dtype (or raw `Uint8Array` bytes), and one sample or whole samples. */
  private bytes(data: AnyTypedArray, oneSample: boolean): Uint8Array {
    const { array } = DTYPES[this.dtype];
    if (!(data instanceof array) && !(data instanceof Uint8Array)) {
      throw new TypeError(`${this.path}: cannot write a ${data?.constructor?.name ?? typeof data} to a ${this.dtype} channel: pass a ${array.name} or raw bytes (Uint8Array)`);
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (oneSample ? bytes.length !== this.size : bytes.length % this.size !== 0) {
      const expected = oneSample ? `${this.size} bytes` : `a multiple of ${this.size} bytes`;
      throw new RangeError(`${this.path}: a sample is ${this.size} bytes (${this.dtype} × [${this.shape.join(', ')}]): expected ${expected}, got ${bytes.length}`);
    }
    return bytes;
  }
}

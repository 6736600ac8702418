import { open, stat, appendFile, writeFile } from 'node:fs/promises';
import { DTYPES, viewAs, type AnyTypedArray, type Dtype } from '../dtype.js';

/**
 * roverd's `raw` channel: samples of `shape` and `dtype` concatenated, little-endian, no header. Its length is
 * the file size divided by the sample size; a trailing partial sample (a crash mid-append) is not counted.
 */
export class RawChannel {
  readonly size: number;

  constructor(readonly path: string, readonly dtype: Dtype, readonly shape: readonly number[]) {
    this.size = shape.reduce((a, b) => a * b, 1) * DTYPES[dtype].itemsize;
  }

  async length(): Promise<number> {
    try {
      return Math.floor((await stat(this.path)).size / this.size);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  /** Writes whole samples (truncating unless `append`). */
  async write(data: AnyTypedArray, { append = false } = {}): Promise<void> {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length % this.size !== 0) throw new RangeError(`${this.path}: ${bytes.length} bytes is not a whole number of ${this.size}-byte samples`);
    await (append ? appendFile : writeFile)(this.path, bytes);
  }

  /** Samples [start, start + samples) (-1: to the end) as a typed array, plus their shape. */
  async read(start = 0, samples = -1): Promise<{ data: AnyTypedArray; shape: number[] }> {
    const length = await this.length();
    const count = samples < 0 ? length - start : samples;
    if (start < 0 || count < 0 || start + count > length) throw new RangeError(`${this.path}: samples ${start}..${start + count} are out of range (it has ${length})`);
    const bytes = new Uint8Array(count * this.size);
    const fh = await open(this.path, 'r');
    try {
      await fh.read(bytes, 0, bytes.length, start * this.size);
    } finally {
      await fh.close();
    }
    return { data: viewAs(this.dtype, bytes), shape: [count, ...this.shape] };
  }
}

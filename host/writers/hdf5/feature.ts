import { DTYPES, type AnyTypedArray, type Dtype } from '../dtype.js';
import { Hdf5Error } from './errors.js';
import type { H5Dataset } from './h5.js';

/**
 * One resizable dataset, appended to in whole chunks only: rows are buffered in JS until a chunk is full, because
 * h5wasm is 10× slower writing a row at a time and a crash while a chunk is half rewritten corrupts that chunk.
 * Data holding whole chunks is written straight from the caller's array, without the copy into the buffer.
 */
export class FeatureColumn {
  readonly itemLength: number;
  private readonly buffer: AnyTypedArray;
  private fill = 0;
  private written = 0;

  constructor(
    readonly path: string,
    private readonly dataset: H5Dataset,
    readonly itemShape: readonly number[],
    readonly dtype: Dtype,
    readonly rows: number,
  ) {
    this.itemLength = itemShape.reduce((a, b) => a * b, 1);
    this.buffer = new DTYPES[dtype].array(rows * this.itemLength);
  }

  /** Rows stored so far, written or buffered. */
  get length(): number {
    return this.written + this.fill;
  }

  /** Appends rows; returns whether whole chunks went to the file (so the caller flushes). */
  append(data: AnyTypedArray): boolean {
    const { itemLength, rows } = this;
    if (!(data instanceof DTYPES[this.dtype].array)) {
      throw new Hdf5Error('EHDF5', `${this.path} holds ${this.dtype}: pass a ${DTYPES[this.dtype].array.name}, not a ${data.constructor.name}`);
    }
    if (data.length % itemLength !== 0) {
      throw new Hdf5Error('EHDF5', `${this.path}: ${data.length} values is not a whole number of ${this.itemShape.join('×') || 'scalar'} items of ${itemLength} values`);
    }
    const n = data.length / itemLength;
    let at = 0;
    let wrote = false;
    while (at < n) {
      if (this.fill === 0 && n - at >= rows) {
        const k = Math.floor((n - at) / rows) * rows;
        this.write(data.subarray(at * itemLength, (at + k) * itemLength), k);
        at += k;
        wrote = true;
        continue;
      }
      const take = Math.min(rows - this.fill, n - at);
      (this.buffer as Uint8Array).set((data as Uint8Array).subarray(at * itemLength, (at + take) * itemLength), this.fill * itemLength);
      this.fill += take;
      at += take;
      if (this.fill === rows) {
        this.write(this.buffer, rows);
        this.fill = 0;
        wrote = true;
      }
    }
    return wrote;
  }

  /** Writes the buffered rows (a partial last chunk); only close() does this. */
  flushRemainder(): void {
    if (this.fill === 0) return;
    this.write(this.buffer.subarray(0, this.fill * this.itemLength), this.fill);
    this.fill = 0;
  }

  private write(data: AnyTypedArray, n: number): void {
    this.dataset.resize([this.written + n, ...this.itemShape]);
    this.dataset.write_slice([[this.written, this.written + n], ...this.itemShape.map((): [] => [])], data);
    this.written += n;
  }
}

import { DTYPES, type AnyTypedArray, type Dtype } from '../dtype.js';
import { Hdf5Error } from './errors.js';
import type { H5Module } from './h5.js';

/**
 * One resizable dataset, appended to in whole chunks only: rows are gathered until a chunk is full, because h5wasm
 * is 10× slower writing a row at a time and a crash while a chunk is half rewritten corrupts that chunk.
 * The chunk is gathered straight in the WebAssembly heap and written with h5wasm's low-level calls, so each value
 * is copied once (h5wasm's Dataset.write_slice copies the caller's array into the heap again, and reads the
 * dataset's metadata back on every call). Call free() when done: the heap outlives the file.
 */
export class FeatureColumn {
  readonly itemLength: number;
  private readonly itemBytes: number;
  private readonly itemDims: bigint[];
  private readonly origin: bigint[];
  private readonly strides: bigint[];
  private ptr: number;
  private fill = 0;
  private written = 0;

  constructor(
    readonly path: string,
    private readonly module: H5Module,
    private readonly fileId: bigint,
    readonly itemShape: readonly number[],
    readonly dtype: Dtype,
    readonly rows: number,
  ) {
    this.itemLength = itemShape.reduce((a, b) => a * b, 1);
    this.itemBytes = this.itemLength * DTYPES[dtype].itemsize;
    this.itemDims = itemShape.map(BigInt);
    this.origin = itemShape.map(() => 0n);
    this.strides = [1n, ...itemShape.map(() => 1n)];
    this.ptr = module._malloc(rows * this.itemBytes);
    if (!this.ptr) throw new Hdf5Error('EHDF5', `${path}: no room in the WebAssembly heap for a ${rows * this.itemBytes}-byte chunk; close other HDF5 files or use smaller frames`);
  }

  /** Rows stored so far, written or gathered. */
  get length(): number {
    return this.written + this.fill;
  }

  /** Appends rows; returns whether whole chunks went to the file (so the caller flushes). */
  append(data: AnyTypedArray): boolean {
    if (!(data instanceof DTYPES[this.dtype].array)) {
      throw new Hdf5Error('EHDF5', `${this.path} holds ${this.dtype}: pass a ${DTYPES[this.dtype].array.name}, not a ${data.constructor.name}`);
    }
    if (data.length % this.itemLength !== 0) {
      throw new Hdf5Error('EHDF5', `${this.path}: ${data.length} values is not a whole number of ${this.itemShape.join('×') || 'scalar'} items of ${this.itemLength} values`);
    }
    this.assertLive();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let at = 0;
    let wrote = false;
    while (at < bytes.length) {
      const take = Math.min((this.rows - this.fill) * this.itemBytes, bytes.length - at);
      // HEAPU8 is read each time: the heap grows (and the view is replaced) when h5wasm allocates.
      this.module.HEAPU8.set(bytes.subarray(at, at + take), this.ptr + this.fill * this.itemBytes);
      this.fill += take / this.itemBytes;
      at += take;
      if (this.fill === this.rows) {
        this.write();
        wrote = true;
      }
    }
    return wrote;
  }

  /** Writes the gathered rows (a partial last chunk); only close() does this. */
  flushRemainder(): void {
    if (this.fill > 0) this.write();
  }

  /** Releases the chunk in the heap; the column takes no more rows. */
  free(): void {
    if (this.ptr) this.module._free(this.ptr);
    this.ptr = 0;
  }

  private write(): void {
    this.assertLive();
    const n = BigInt(this.fill);
    const at = BigInt(this.written);
    this.module.resize_dataset(this.fileId, this.path, [at + n, ...this.itemDims]);
    this.module.set_dataset_data(this.fileId, this.path, [n, ...this.itemDims], [at, ...this.origin], this.strides, BigInt(this.ptr));
    this.written += this.fill;
    this.fill = 0;
  }

  private assertLive(): void {
    if (!this.ptr) throw new Hdf5Error('EHDF5', `${this.path} belongs to a closed file`);
  }
}

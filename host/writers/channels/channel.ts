import { DTYPES, viewAs, type AnyTypedArray, type Dtype } from '../dtype.js';
import { prefetch } from './prefetch.js';

/** Samples as read: a typed array of the channel's dtype and their shape (`[n, ...shape]` for a batch). */
export interface ArrayData {
  data: AnyTypedArray;
  shape: number[];
}

/** What `stream` yields: single samples for `batch` 0 (the default), batches for `batch` ≥ 1, either for a plain `number`. */
export type StreamItem<B extends number, Sample, Batch> = number extends B ? Sample | Batch : B extends 0 ? Sample : Batch;

export interface WriteOptions {
  /** Add after the existing samples instead of replacing them. */
  append?: boolean;
}

/** Anything `consume` takes: an iterable, an async iterable, or an `AsyncQueue` (ended by `close()`; `fail(err)` throws `err` here). */
export type SampleSource<T> = AsyncIterable<T> | Iterable<T>;

/**
 * roverd's `Channel`: one named series of samples of `dtype` and `shape` at `path`, read and written whole, by
 * range, or as a stream. `Sample`/`Batch` are what reads return, `Input`/`InputBatch` what writes take.
 */
export abstract class Channel<Sample, Batch, Input = Sample, InputBatch = Batch> {
  readonly shape: number[];
  /** Bytes of one sample of `dtype` and `shape` (for blob channels: of the decoded sample, not of the stored file). */
  readonly size: number;

  constructor(
    readonly path: string,
    readonly dtype: Dtype,
    shape: readonly number[],
  ) {
    if (!shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new RangeError(`${path}: shape [${shape.join(', ')}] must be positive integers`);
    }
    this.shape = [...shape];
    this.size = this.shape.reduce((a, b) => a * b, DTYPES[dtype].itemsize);
    if (!Number.isSafeInteger(this.size)) throw new RangeError(`${path}: a sample of shape [${shape.join(', ')}] is too large`);
  }

  /** The same kind of channel, with the same dtype and shape, at another path. */
  abstract openLike(path: string): Channel<Sample, Batch, Input, InputBatch>;

  /** Number of whole samples on disk now. */
  abstract length(): Promise<number>;

  /** Samples `[start, start + samples)`; `samples = -1` reads to the end. Out of range is a RangeError. */
  abstract read(start?: number, samples?: number): Promise<Batch>;

  abstract write(data: InputBatch, options?: WriteOptions): Promise<void>;

  /** Writes every sample `source` yields, in order; a failure of `source` stops the write and is rethrown. */
  abstract consume(source: SampleSource<Input>, options?: WriteOptions): Promise<void>;

  /** The samples on disk when called, in order, `size` at a time (the last batch may be shorter). */
  protected abstract batches(size: number): AsyncGenerator<Batch>;

  /** The only sample of a one-sample batch. */
  protected abstract first(batch: Batch): Sample;

  /** Views `buf` as samples: shape `[n, ...shape]`, or `shape` when `batch` is false (then `buf` must be one sample). */
  bufferToArray(buf: Uint8Array, { batch = true }: { batch?: boolean } = {}): ArrayData {
    if (batch ? buf.length % this.size !== 0 : buf.length !== this.size) {
      throw new RangeError(`${this.path}: ${buf.length} bytes is not ${batch ? 'a whole number of samples' : 'one sample'} of ${this.size} bytes (${this.dtype} × [${this.shape.join(', ')}])`);
    }
    return { data: viewAs(this.dtype, buf), shape: batch ? [buf.length / this.size, ...this.shape] : [...this.shape] };
  }

  stream<B extends number = 0>(options?: { batch?: B; transform?: undefined }): AsyncGenerator<StreamItem<B, Sample, Batch>>;
  stream<T, B extends number = 0>(options: { batch?: B; transform: (item: StreamItem<B, Sample, Batch>) => T | Promise<T> }): AsyncGenerator<T>;
  stream(options: { batch?: number; transform?: (item: Sample | Batch) => unknown } = {}): AsyncGenerator<unknown> {
    return this.iterate(options.batch ?? 0, options.transform);
  }

  /** `stream`, with a producer reading up to `size` items ahead of the consumer into a bounded queue. */
  streamPrefetch<B extends number = 0>(options?: { size?: number; batch?: B; transform?: undefined }): AsyncIterableIterator<StreamItem<B, Sample, Batch>>;
  streamPrefetch<T, B extends number = 0>(options: { size?: number; batch?: B; transform: (item: StreamItem<B, Sample, Batch>) => T | Promise<T> }): AsyncIterableIterator<T>;
  streamPrefetch(options: { size?: number; batch?: number; transform?: (item: Sample | Batch) => unknown } = {}): AsyncIterableIterator<unknown> {
    return prefetch(this.iterate(options.batch ?? 0, options.transform), options.size ?? 64);
  }

  /** How many samples `read(start, samples)` covers, or a RangeError naming the range and the length. */
  protected span(start: number, samples: number, length: number): number {
    if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(samples) || samples < -1) {
      throw new RangeError(`${this.path}: read(${start}, ${samples}) needs integers start ≥ 0 and samples ≥ -1`);
    }
    const count = samples === -1 ? length - start : samples;
    if (count < 0 || start + count > length) {
      const asked = samples === -1 ? `from sample ${start}` : `samples [${start}, ${start + count})`;
      throw new RangeError(`${this.path}: cannot read ${asked}: the channel holds ${length} sample(s)`);
    }
    return count;
  }

  /** Checks `batch` now, so a bad one throws at the call rather than at the first `next()`. */
  private iterate(batch: number, transform: ((item: Sample | Batch) => unknown) | undefined): AsyncGenerator<unknown> {
    if (!Number.isSafeInteger(batch) || batch < 0) throw new RangeError(`${this.path}: batch must be an integer ≥ 0, got ${batch}`);
    return this.generate(batch, transform);
  }

  private async *generate(batch: number, transform: ((item: Sample | Batch) => unknown) | undefined): AsyncGenerator<unknown> {
    for await (const b of this.batches(batch === 0 ? 1 : batch)) {
      const item = batch === 0 ? this.first(b) : b;
      yield transform ? await transform(item) : item;
    }
  }
}

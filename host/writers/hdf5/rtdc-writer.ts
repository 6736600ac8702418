import { rename, rm } from 'node:fs/promises';
import { OmvError } from '../../../protocol/errors.js';
import { DTYPES, type AnyTypedArray, type Dtype } from '../dtype.js';
import { loadH5, type H5Dataset, type H5File, type H5Group } from './h5.js';

export interface RtdcOptions {
  /** gzip (level 1 by default: the one filter Debian's HDF5 readers decode, at the speed h5wasm manages) or none. */
  compression?: 'gzip' | 'none';
  level?: number;
}

/** dcnum's chunk length along axis 0: about 1 MiB per chunk, between 10 and 1000 events. */
export function chunkRows(itemShape: readonly number[], dtype: Dtype): number {
  const bytes = itemShape.reduce((a, b) => a * b, 1) * DTYPES[dtype].itemsize;
  return Math.min(1000, Math.max(10, Math.floor(2 ** 20 / bytes)));
}

interface Feature {
  dataset: H5Dataset;
  itemShape: number[];
  itemLength: number;
  dtype: Dtype;
  rows: number;
  buffer: AnyTypedArray;
  fill: number;
  written: number;
}

/**
 * An `.rtdc`-style HDF5 file as dcnum's HDF5Writer makes it, on h5wasm: features in /events, resizable along
 * axis 0, written in whole chunks (rows are buffered until a chunk is full: per-row writes are 10× slower and a
 * crash mid-chunk would corrupt it). The file is `<path>.part` until close() renames it into place.
 */
export class RtdcWriter {
  private readonly features = new Map<string, Feature>();
  private closed = false;

  private constructor(readonly path: string, private readonly file: H5File, private readonly options: Required<RtdcOptions>) {}

  static async open(path: string, options: RtdcOptions = {}): Promise<RtdcWriter> {
    const h5 = await loadH5();
    const file = new h5.File(`${path}.part`, 'w');
    return new RtdcWriter(path, file, { compression: options.compression ?? 'gzip', level: options.level ?? 1 });
  }

  get partPath(): string {
    return `${this.path}.part`;
  }

  /** Creates (or returns the length of) a feature `group/name` with items of `itemShape`. */
  requireFeature(name: string, itemShape: number[], dtype: Dtype, group = 'events'): number {
    const key = `${group}/${name}`;
    const existing = this.features.get(key);
    if (existing) return existing.written + existing.fill;
    const g = this.group(group);
    const rows = chunkRows(itemShape, dtype);
    const { compression, level } = this.options;
    const dataset = g.create_dataset({
      name,
      data: new DTYPES[dtype].array(0),
      shape: [0, ...itemShape],
      maxshape: [null, ...itemShape],
      chunks: [rows, ...itemShape],
      dtype: DTYPES[dtype].h5,
      ...(compression === 'gzip' ? { compression: 'gzip' as const, compression_opts: level } : {}),
    });
    if (itemShape.length === 2) {
      for (const [attr, value] of [['CLASS', 'IMAGE'], ['IMAGE_VERSION', '1.2'], ['IMAGE_SUBCLASS', 'IMAGE_GRAYSCALE']] as const) {
        dataset.create_attribute(attr, value, null, `S${value.length}`);
      }
    }
    const itemLength = itemShape.reduce((a, b) => a * b, 1);
    this.features.set(key, { dataset, itemShape, itemLength, dtype, rows, buffer: new DTYPES[dtype].array(rows * itemLength), fill: 0, written: 0 });
    return 0;
  }

  /** Appends rows (`data.length` must be a whole number of items). */
  storeFeatureChunk(name: string, data: AnyTypedArray, group = 'events'): void {
    const f = this.features.get(`${group}/${name}`);
    if (!f) throw new OmvError('EHDF5', `feature ${group}/${name} was not created: call requireFeature first`);
    if (data.length % f.itemLength !== 0) throw new RangeError(`${group}/${name}: ${data.length} values is not a whole number of ${f.itemShape.join('×')} items`);
    let at = 0;
    while (at < data.length) {
      const n = Math.min(data.length - at, f.buffer.length - f.fill * f.itemLength);
      (f.buffer as Uint8Array).set((data as Uint8Array).subarray(at, at + n), f.fill * f.itemLength);
      f.fill += n / f.itemLength;
      at += n;
      if (f.fill === f.rows) this.writeRows(f, f.rows);
    }
  }

  /** /logs/<name>: one fixed-length string per line. Lines longer than 100 characters are wrapped, as dclab expects. */
  storeLog(name: string, lines: string[]): void {
    const wrapped = lines.flatMap((l) => (l.length <= 100 ? [l] : (l.match(/.{1,100}/gu) ?? [])));
    const width = Math.max(1, ...wrapped.map((l) => Buffer.byteLength(l)));
    this.group('logs').create_dataset({ name, data: wrapped.length ? wrapped : [''], dtype: `S${width}` });
  }

  /**
   * Root attributes; dclab requires every name to be exactly `section:key` and checks value types per key, so the
   * type is explicit: bigint → int64, number → float64, string → UTF-8 string.
   */
  setAttrs(attrs: Record<string, string | number | bigint>): void {
    for (const [name, value] of Object.entries(attrs)) {
      if (name.split(':').length !== 2) throw new OmvError('EHDF5', `attribute "${name}" must be "section:key" (dclab refuses the file otherwise); use "user:${name.replace(/:/g, ' ')}"`);
      if (this.file.attrs[name]) this.file.delete_attribute(name);
      if (typeof value === 'bigint') this.file.create_attribute(name, Number(value), null, '<q');
      else if (typeof value === 'number') this.file.create_attribute(name, value, null, '<d');
      else this.file.create_attribute(name, value);
    }
  }

  /** Writes buffered rows, stamps `experiment:event count` (the length of /events/image or the first feature), renames into place. */
  async close(): Promise<{ path: string; events: number }> {
    if (this.closed) throw new OmvError('EHDF5', `${this.path} is already closed`);
    for (const f of this.features.values()) if (f.fill) this.writeRows(f, f.fill);
    const events = this.features.get('events/image') ?? [...this.features.values()][0];
    const count = events ? events.written : 0;
    this.setAttrs({ 'experiment:event count': BigInt(count) });
    this.file.flush();
    this.file.close();
    this.closed = true;
    await rename(this.partPath, this.path);
    return { path: this.path, events: count };
  }

  /** Stops without publishing: the .part is removed. */
  async abort(): Promise<void> {
    if (!this.closed) this.file.close();
    this.closed = true;
    await rm(this.partPath, { force: true });
  }

  private writeRows(f: Feature, rows: number): void {
    f.dataset.resize([f.written + rows, ...f.itemShape]);
    f.dataset.write_slice([[f.written, f.written + rows], ...f.itemShape.map(() => [] as [])], f.buffer.subarray(0, rows * f.itemLength));
    f.written += rows;
    f.fill = 0;
    this.file.flush();
  }

  private group(name: string): H5Group {
    return (this.file.get(name) as H5Group | null) ?? this.file.create_group(name);
  }
}

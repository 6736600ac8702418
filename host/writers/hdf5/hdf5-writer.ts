import { closeSync, fsyncSync, openSync, renameSync } from 'node:fs';
import { DTYPES, type AnyTypedArray, type Dtype } from '../dtype.js';
import { filterArgs, type FilterArgs, type Hdf5Compression } from './compression.js';
import { Hdf5Error } from './errors.js';
import { FeatureColumn } from './feature.js';
import { loadH5, loadPlugins, type H5Dataset, type H5File, type H5Group, type H5Module } from './h5.js';
import { basinText, checkAttrName, chunkRows, LOG_LINE_BYTES, wrapLogLines, type FileBasin } from './rtdc-rules.js';

/** Root attribute values, typed as dclab checks them: bigint → int64, number → float64, string → UTF-8 string. */
export type AttrValue = string | number | bigint;
export type Attrs = Record<string, AttrValue>;

export interface Hdf5WriterOptions {
  /** gzip by default; see Hdf5Compression. Every dataset of the file gets it. */
  compression?: Hdf5Compression;
  /** gzip 1–9 (1 by default), zstd 1–22 (5 by default, as dcnum). */
  level?: number;
  attrs?: Attrs;
  /**
   * Whether the file is one measurement with its features in /events (the default): then /events/index and
   * `experiment:event count` are the writer's. A file of several groups (one per camera, say) passes false.
   */
  rtdc?: boolean;
}

export interface Hdf5Summary {
  path: string;
  /** Rows in each /events feature, stored as `experiment:event count`. */
  events: number;
}

const IMAGE_ATTRS = [['CLASS', 'IMAGE'], ['IMAGE_VERSION', '1.2'], ['IMAGE_SUBCLASS', 'IMAGE_GRAYSCALE']] as const;
const NAME = /^[^/.][^/]*$/;

/**
 * An `.rtdc` file as dcnum's HDF5Writer makes it, on h5wasm and synchronous (to keep compression off the event
 * loop, use it on the writer thread: QueueHdf5Writer for events by frame number, ThreadedHdf5Writer for its own
 * calls). Features live in /events (or another group), resizable along axis 0 and written in whole chunks;
 * /events/index (1..N) and `experiment:event count` are written by close(). The file is `<path>.part` until
 * close() renames it, so a crash never leaves a half-written file under the final name.
 * Default libver: HDF5 1.10 (Debian's h5py, h5dump) cannot read `latest`.
 */
export class Hdf5Writer {
  private readonly features = new Map<string, FeatureColumn>();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly module: H5Module,
    private readonly file: H5File,
    private readonly filter: FilterArgs,
    private readonly rtdc: boolean,
  ) {}

  static async open(path: string, options: Hdf5WriterOptions = {}): Promise<Hdf5Writer> {
    const filter = filterArgs(options.compression, options.level);
    for (const name of Object.keys(options.attrs ?? {})) checkAttrName(name);
    const { h5, module } = await loadH5();
    if (options.compression === 'zstd') await loadPlugins(module);
    const part = `${path}.part`;
    let file: H5File;
    try {
      file = new h5.File(part, 'w');
    } catch (err) {
      throw hdf5Failure(`create ${part}`, err);
    }
    const writer = new Hdf5Writer(path, module, file, filter, options.rtdc ?? true);
    try {
      if (writer.rtdc) writer.commit('create /events/index', () => writer.createFeature('events', 'index', [], 'u8'));
      if (options.attrs) writer.setAttrs(options.attrs);
    } catch (err) {
      writer.abort();
      throw err;
    }
    return writer;
  }

  get partPath(): string {
    return `${this.path}.part`;
  }

  /**
   * Creates `group/name` with items of `itemShape` (2-D items get the HDF5 IMAGE attributes dclab checks), or, if it
   * exists with the same shape and dtype, returns its length. /events/index is the writer's own.
   */
  requireFeature(name: string, itemShape: number[], dtype: Dtype, group = 'events'): number {
    this.assertOpen();
    if (group === 'events' && name === 'index') throw new Hdf5Error('EHDF5', `/events/index is written by the writer (1..N at close); do not require or store it`);
    const existing = this.features.get(`${group}/${name}`);
    if (existing) {
      if (existing.dtype !== dtype || existing.itemShape.join() !== itemShape.join()) {
        throw new Hdf5Error('EHDF5', `/${group}/${name} exists as ${existing.dtype} [${existing.itemShape.join(', ')}], not ${dtype} [${itemShape.join(', ')}]`);
      }
      return existing.length;
    }
    if (!NAME.test(name) || !NAME.test(group)) throw new Hdf5Error('EHDF5', `feature "${group}/${name}": names must be non-empty, without "/" and not start with "."`);
    if (!itemShape.every((n) => Number.isInteger(n) && n > 0)) throw new Hdf5Error('EHDF5', `/${group}/${name}: item shape [${itemShape.join(', ')}] must be positive integers`);
    this.commit(`create /${group}/${name}`, () => this.createFeature(group, name, itemShape, dtype));
    return 0;
  }

  /** Appends rows of a required feature; `data` is a whole number of items in the feature's typed array. */
  storeFeatureChunk(name: string, data: AnyTypedArray, group = 'events'): void {
    this.assertOpen();
    if (group === 'events' && name === 'index') throw new Hdf5Error('EHDF5', `/events/index is written by the writer (1..N at close); do not store it`);
    const feature = this.features.get(`${group}/${name}`);
    if (!feature) throw new Hdf5Error('EHDF5', `/${group}/${name} was not created: call requireFeature first`);
    if (this.guard(`write ${feature.path}`, () => feature.append(data))) this.guard('flush', () => this.file.flush());
  }

  /**
   * /logs/<name>, one fixed-length 100-byte string per line (as dclab's own writer makes them), resizable; lines
   * over 100 bytes are wrapped (see wrapLogLines). An existing log is an error unless `override`.
   */
  storeLog(name: string, lines: readonly string[], override = false): void {
    this.assertOpen();
    if (!NAME.test(name)) throw new Hdf5Error('EHDF5', `log name "${name}" must be non-empty, without "/" and not start with "."`);
    const wrapped = wrapLogLines(lines);
    const logs = this.group('logs');
    const existing = logs.get(name) as H5Dataset | null;
    if (existing && !override) throw new Hdf5Error('EHDF5EXISTS', `log /logs/${name} already exists in ${this.partPath}; pass override to replace it`);
    this.commit(`write /logs/${name}`, () => {
      const log = existing ?? logs.create_dataset({ name, data: [], shape: [0], maxshape: [null], chunks: [100], dtype: `S${LOG_LINE_BYTES}`, ...this.filter });
      log.resize([wrapped.length]);
      if (wrapped.length) log.write_slice([[0, wrapped.length]], wrapped);
    });
  }

  /** /tables/<name>: a compound dataset with one field per column (dclab reads field names as column names). */
  storeTable(name: string, columns: Record<string, AnyTypedArray>): void {
    this.assertOpen();
    const entries = Object.entries(columns);
    const rows = entries[0]?.[1].length;
    if (rows === undefined) throw new Hdf5Error('EHDF5', `table ${name} has no columns`);
    const bad = entries.find(([, c]) => c.length !== rows);
    if (bad) throw new Hdf5Error('EHDF5', `table ${name}: column ${bad[0]} has ${bad[1].length} rows, the first has ${rows}`);
    const tables = this.group('tables');
    if (tables.get(name)) throw new Hdf5Error('EHDF5EXISTS', `table /tables/${name} already exists in ${this.partPath} (h5wasm cannot delete datasets)`);
    const dtype = entries.map(([col, data]): [string, string] => [col, DTYPES[dtypeOf(data)].h5]);
    this.commit(`write /tables/${name}`, () => tables.create_dataset({ name, data: new Map(entries), dtype }));
  }

  /** Stores a file basin as dcnum does; returns its key (the name under /basins). Storing the same basin twice is a no-op. */
  storeBasin(basin: FileBasin): string {
    this.assertOpen();
    const { key, lines } = basinText(basin);
    const basins = this.group('basins');
    if (!basins.get(key)) {
      const width = Math.max(...lines.map((l) => Buffer.byteLength(l)));
      this.commit(`write /basins/${key}`, () => basins.create_dataset({ name: key, data: lines, dtype: `S${width}` }));
    }
    return key;
  }

  /**
   * Sets attributes (replacing existing ones) of the root, or of `group` (created if missing: the metadata of one
   * camera's group, say). Every name must be `section:key`; none is set if one is not.
   */
  setAttrs(attrs: Attrs, group?: string): void {
    this.assertOpen();
    const entries = Object.entries(attrs);
    for (const [name] of entries) checkAttrName(name);
    if (group !== undefined && !NAME.test(group)) throw new Hdf5Error('EHDF5', `group name "${group}" must be non-empty, without "/" and not start with "."`);
    this.commit(`set attributes of ${group === undefined ? 'the root' : `/${group}`}`, () => {
      const target = group === undefined ? this.file : this.group(group);
      for (const [name, value] of entries) {
        if (target.attrs[name]) target.delete_attribute(name);
        if (typeof value === 'bigint') target.create_attribute(name, safeInteger(name, value), null, '<q');
        else if (typeof value === 'number') target.create_attribute(name, value, null, '<d');
        else target.create_attribute(name, value);
      }
    });
  }

  /**
   * Writes the buffered rows, /events/index and `experiment:event count`, closes, syncs and renames the .part into
   * place. If the /events features differ in length the file is closed but not published.
   */
  close(): Hdf5Summary {
    this.assertOpen();
    const events = [...this.features.values()].filter((f) => f.path.startsWith('/events/') && f.path !== '/events/index');
    try {
      for (const f of this.features.values()) this.guard(`write ${f.path}`, () => f.flushRemainder());
      const count = events[0]?.length ?? 0;
      const odd = events.find((f) => f.length !== count);
      if (odd) throw new Hdf5Error('EHDF5LENGTH', `${this.partPath}: ${events.map((f) => `${f.path} has ${f.length}`).join(', ')} rows; dclab needs every /events feature to have one row per event. The file is left as ${this.partPath}`);
      if (this.rtdc) {
        this.writeIndex(count);
        this.setAttrs({ 'experiment:event count': BigInt(count) });
      }
      this.guard('close', () => {
        this.file.flush();
        this.file.close();
      });
      this.closed = true;
      for (const f of this.features.values()) f.free();
      const fd = openSync(this.partPath, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(this.partPath, this.path);
      return { path: this.path, events: count };
    } finally {
      this.abort();
    }
  }

  /** Stops without writing buffered rows or publishing: the .part is left as it is. Safe to call more than once. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.features.values()) f.free();
    try {
      this.file.close();
    } catch {
      // Already failing; the .part is what remains either way.
    }
  }

  private createFeature(group: string, name: string, itemShape: number[], dtype: Dtype): void {
    const rows = chunkRows(itemShape, dtype);
    const dataset = this.group(group).create_dataset({
      name,
      data: new DTYPES[dtype].array(0),
      shape: [0, ...itemShape],
      maxshape: [null, ...itemShape],
      chunks: [rows, ...itemShape],
      dtype: DTYPES[dtype].h5,
      ...this.filter,
    });
    if (itemShape.length === 2) for (const [attr, value] of IMAGE_ATTRS) dataset.create_attribute(attr, value, null, `S${value.length}`);
    this.features.set(`${group}/${name}`, new FeatureColumn(`/${group}/${name}`, this.module, this.file.file_id, itemShape, dtype, rows));
  }

  private writeIndex(count: number): void {
    const index = this.features.get('events/index') as FeatureColumn;
    for (let start = 0; start < count; start += index.rows) {
      const n = Math.min(index.rows, count - start);
      const slab = new BigUint64Array(n);
      for (let i = 0; i < n; i++) slab[i] = BigInt(start + i + 1);
      this.guard('write /events/index', () => index.append(slab));
    }
    this.guard('write /events/index', () => index.flushRemainder());
  }

  private group(name: string): H5Group {
    return (this.file.get(name) as H5Group | null) ?? this.file.create_group(name);
  }

  private assertOpen(): void {
    if (this.closed) throw new Hdf5Error('EHDF5', `${this.path} is already closed (or aborted)`);
  }

  /** guard(), then flush, so the .part on disk always holds everything up to the last whole chunk. */
  private commit(what: string, fn: () => void): void {
    this.guard(what, () => {
      fn();
      this.file.flush();
    });
  }

  /** Runs an h5wasm call, turning HDF5's error stack into an Hdf5Error that names the operation and file. */
  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw err instanceof Hdf5Error ? err : hdf5Failure(`${what} in ${this.partPath}`, err);
    }
  }
}

function hdf5Failure(what: string, err: unknown): Hdf5Error {
  const message = err instanceof Error ? err.message : String(err);
  const detail = message.split('\n').findLast((l) => /^\s*#\d+:/.test(l))?.replace(/^\s*#\d+:\s*\S+ line \d+ in /, '') ?? message;
  return new Hdf5Error('EHDF5', `HDF5 could not ${what}: ${detail.trim()}`, { cause: err });
}

function safeInteger(name: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new Hdf5Error('EHDF5', `root attribute ${name}: ${value} is beyond what h5wasm writes exactly (±2^53)`);
  return Number(value);
}

function dtypeOf(data: AnyTypedArray): Dtype {
  const found = (Object.keys(DTYPES) as Dtype[]).find((d) => data instanceof DTYPES[d].array);
  if (!found) throw new Hdf5Error('EHDF5', `unsupported column type ${(data as object).constructor.name}`);
  return found;
}

import { isDtype, type AnyTypedArray, type Dtype } from '../dtype.js';
import { Hdf5Error } from './errors.js';
import type { Attrs, Hdf5Summary, Hdf5WriterOptions } from './hdf5-writer.js';
import { basinText, checkAttrName, type FileBasin } from './rtdc-rules.js';
import { forThread, WriterChannel } from './writer-channel.js';
import { warmWorkers } from './worker-thread.js';

export interface ThreadedHdf5WriterOptions extends Hdf5WriterOptions {
  /** Calls queued for the writer thread before the next one waits (16 by default). */
  queueSize?: number;
}

/**
 * Hdf5Writer's calls, carried out in order on a worker thread, so compression never blocks the event loop (a
 * capture's ring reader, say). Each call resolves once it is queued and waits while the queue is full; a mistake
 * the thread finds (an unknown feature, a wrong item size) fails the call after it and close(), and leaves the
 * `.part`. Typed arrays given to storeFeatureChunk belong to the writer from then on: arrays that own their whole
 * buffer are transferred to the thread (and end up detached), others are copied.
 */
export class ThreadedHdf5Writer {
  private constructor(
    readonly path: string,
    private readonly channel: WriterChannel,
  ) {}

  static async open(path: string, options: ThreadedHdf5WriterOptions = {}): Promise<ThreadedHdf5Writer> {
    for (const name of Object.keys(options.attrs ?? {})) checkAttrName(name);
    const { compression, level, attrs, rtdc } = options;
    return new ThreadedHdf5Writer(path, await WriterChannel.open({ path, options: { compression, level, attrs, rtdc } }, options.queueSize ?? 16));
  }

  /** Starts writer threads ahead of the files that will need them: a file opened later then waits for no thread's start. */
  static prepare(threads = 1): void {
    warmWorkers(threads);
  }

  get partPath(): string {
    return `${this.path}.part`;
  }

  /** Hdf5Writer.requireFeature, without the length it returns (an existing feature must match, or the thread fails). */
  async requireFeature(name: string, itemShape: number[], dtype: Dtype, group = 'events'): Promise<void> {
    this.channel.assertOpen();
    if (!isDtype(dtype)) throw new Hdf5Error('EHDF5', `feature ${group}/${name}: unknown dtype ${String(dtype)}`);
    return this.channel.send([{ msg: { type: 'require', feature: { name, itemShape: [...itemShape], dtype, group } }, transfer: [] }]);
  }

  /** Appends rows of a required feature; `data` is a whole number of items in the feature's typed array. */
  storeFeatureChunk(name: string, data: AnyTypedArray, group = 'events'): Promise<void> {
    return this.storeFeatureChunks({ [name]: data }, group);
  }

  /**
   * storeFeatureChunk for several features of `group` in one message to the thread, in the record's order: a
   * frame's image and scalars cost one message instead of one each.
   */
  async storeFeatureChunks(chunks: Record<string, AnyTypedArray>, group = 'events'): Promise<void> {
    this.channel.assertOpen();
    const out: Record<string, AnyTypedArray> = {};
    const transfer = new Set<ArrayBuffer>();
    for (const [name, data] of Object.entries(chunks)) {
      const t = forThread(data);
      out[name] = t.data;
      for (const b of t.transfer) transfer.add(b);
    }
    return this.channel.send([{ msg: { type: 'chunks', group, chunks: out }, transfer: [...transfer] }]);
  }

  /** Attributes of the root, or of `group` (see Hdf5Writer.setAttrs). */
  async setAttrs(attrs: Attrs, group?: string): Promise<void> {
    this.channel.assertOpen();
    for (const name of Object.keys(attrs)) checkAttrName(name);
    return this.channel.send([{ msg: { type: 'attrs', attrs, ...(group === undefined ? {} : { group }) }, transfer: [] }]);
  }

  async storeLog(name: string, lines: string[], override = false): Promise<void> {
    this.channel.assertOpen();
    return this.channel.send([{ msg: { type: 'log', name, lines, override }, transfer: [] }]);
  }

  async storeTable(name: string, columns: Record<string, AnyTypedArray>): Promise<void> {
    this.channel.assertOpen();
    return this.channel.send([{ msg: { type: 'table', name, columns }, transfer: [] }]);
  }

  /** Stores a file basin (see FileBasin); resolves to its key under /basins. */
  async storeBasin(basin: FileBasin): Promise<string> {
    this.channel.assertOpen();
    await this.channel.send([{ msg: { type: 'basin', basin }, transfer: [] }]);
    return basinText(basin).key;
  }

  /** Writes what is queued, /events/index and the event count, closes the file and renames it into place. */
  close(): Promise<Hdf5Summary> {
    return this.channel.finish();
  }

  /** Stops at once: queued calls are dropped, pending ones reject with EABORTED, and `<path>.part` is left. */
  abort(): Promise<void> {
    return this.channel.abort();
  }
}

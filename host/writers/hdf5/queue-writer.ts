import { DTYPES, isDtype, type AnyTypedArray } from '../dtype.js';
import { Hdf5Error } from './errors.js';
import { EventStash, type FrameRange } from './event-stash.js';
import type { Attrs, Hdf5Summary, Hdf5WriterOptions } from './hdf5-writer.js';
import { basinText, checkAttrName, type FileBasin } from './rtdc-rules.js';
import type { QueueFeature } from './worker-protocol.js';
import { forThread, WriterChannel, type Outgoing } from './writer-channel.js';

export interface QueueHdf5WriterOptions extends Hdf5WriterOptions {
  /** The features each event carries, besides /events/frame (from the frame numbers) and /events/index. */
  features: QueueFeature[];
  /** The first frame number expected (0 by default); frames before it are errors, missing ones are recorded. */
  firstFrame?: number;
  /** How many frame numbers the stash holds open waiting for a late frame (64 by default). */
  window?: number;
  /** Messages queued for the writer thread before write() waits (16 by default). */
  queueSize?: number;
}

/** One event's values by feature name: typed arrays of one item, or plain numbers for scalar features. */
export type EventValues = Record<string, AnyTypedArray | number | bigint>;

export interface QueueSummary extends Hdf5Summary {
  /** Frame numbers that never arrived; also stored in /logs/omvd-missing-frames. */
  missingFrames: FrameRange[];
}

export const MISSING_FRAMES_LOG = 'omvd-missing-frames';

/**
 * An Hdf5Writer on a worker thread, so gzip and HDF5 never block the event loop. Events go through an EventStash
 * (written in frame order whatever order they arrive in) and a bounded queue: write() waits while the queue is full.
 * Typed arrays given to write() belong to the writer from then on: arrays that own their whole buffer are
 * transferred to the thread (and end up detached), others are copied. Any error in the thread aborts the file.
 */
export class QueueHdf5Writer {
  private readonly names = { logs: new Set<string>(), tables: new Set<string>() };

  private constructor(
    readonly path: string,
    private readonly channel: WriterChannel,
    private readonly features: QueueFeature[],
    private readonly stash: EventStash<Record<string, AnyTypedArray>>,
  ) {}

  /** Starts the thread and creates `<path>.part` with its features; resolves once the file exists. */
  static async open(path: string, options: QueueHdf5WriterOptions): Promise<QueueHdf5Writer> {
    const seen = new Set<string>();
    for (const f of options.features) {
      if (!isDtype(f.dtype)) throw new Hdf5Error('EHDF5', `feature ${f.name}: unknown dtype ${String(f.dtype)}`);
      if ((f.group ?? 'events') === 'events' && (f.name === 'frame' || f.name === 'index')) throw new Hdf5Error('EHDF5', `/events/${f.name} is written by QueueHdf5Writer itself; leave it out of features`);
      if (seen.has(f.name)) throw new Hdf5Error('EHDF5', `feature name ${f.name} is given twice (events carry values by name, so names must be unique across groups)`);
      seen.add(f.name);
    }
    for (const name of Object.keys(options.attrs ?? {})) checkAttrName(name);
    const stash = new EventStash<Record<string, AnyTypedArray>>(options.firstFrame ?? 0, options.window ?? 64);
    const { compression, level, attrs } = options;
    const channel = await WriterChannel.open({ path, options: { compression, level, attrs }, events: options.features }, options.queueSize ?? 16);
    return new QueueHdf5Writer(path, channel, options.features, stash);
  }

  /** Adds the event of frame number `frame`; resolves once it is queued (waits while the queue is full). */
  async write(frame: number, values: EventValues): Promise<void> {
    this.channel.assertOpen();
    const event = this.encode(frame, values);
    const released = this.stash.add(frame, event);
    return this.channel.send(released.map(([f, v]) => eventMessage(f, v)));
  }

  async setAttrs(attrs: Attrs): Promise<void> {
    this.channel.assertOpen();
    for (const name of Object.keys(attrs)) checkAttrName(name);
    return this.channel.send([{ msg: { type: 'attrs', attrs }, transfer: [] }]);
  }

  async storeLog(name: string, lines: string[], override = false): Promise<void> {
    this.channel.assertOpen();
    if (this.names.logs.has(name) && !override) throw new Hdf5Error('EHDF5EXISTS', `log /logs/${name} was already stored in ${this.path}; pass override to replace it`);
    this.names.logs.add(name);
    return this.channel.send([{ msg: { type: 'log', name, lines, override }, transfer: [] }]);
  }

  async storeTable(name: string, columns: Record<string, AnyTypedArray>): Promise<void> {
    this.channel.assertOpen();
    if (this.names.tables.has(name)) throw new Hdf5Error('EHDF5EXISTS', `table /tables/${name} was already stored in ${this.path}`);
    this.names.tables.add(name);
    return this.channel.send([{ msg: { type: 'table', name, columns }, transfer: [] }]);
  }

  /** Stores a file basin (see FileBasin); resolves to its key under /basins. */
  async storeBasin(basin: FileBasin): Promise<string> {
    this.channel.assertOpen();
    await this.channel.send([{ msg: { type: 'basin', basin }, transfer: [] }]);
    return basinText(basin).key;
  }

  /**
   * Releases the stash (the gaps left become missing frames, logged in /logs/omvd-missing-frames), writes what is
   * queued, closes the file and renames it into place.
   */
  async finish(): Promise<QueueSummary> {
    this.channel.assertOpen();
    const items = this.stash.drain().map(([f, v]) => eventMessage(f, v));
    const missingFrames = this.stash.missing;
    if (missingFrames.length) items.push({ msg: { type: 'log', name: MISSING_FRAMES_LOG, lines: missingLines(missingFrames), override: true }, transfer: [] });
    return { ...(await this.channel.finish(items)), missingFrames };
  }

  /** Stops at once: queued events are dropped, pending calls reject with EABORTED, and `<path>.part` is left. */
  abort(): Promise<void> {
    return this.channel.abort();
  }

  /** Checks the values against the features (so mistakes fail here, not in the thread) and makes scalars arrays. */
  private encode(frame: number, values: EventValues): Record<string, AnyTypedArray> {
    const out: Record<string, AnyTypedArray> = {};
    for (const f of this.features) {
      const v = values[f.name];
      const { array } = DTYPES[f.dtype];
      const length = f.itemShape.reduce((a, b) => a * b, 1);
      if (v === undefined) throw new Hdf5Error('EHDF5', `frame ${frame}: no value for feature ${f.name}`);
      if (typeof v === 'number' || typeof v === 'bigint') {
        if (f.itemShape.length) throw new Hdf5Error('EHDF5', `frame ${frame}: feature ${f.name} takes a ${array.name} of ${length} values, not a number`);
        out[f.name] = array === BigUint64Array || array === BigInt64Array ? array.of(BigInt(v)) : (array as Float64ArrayConstructor).of(Number(v));
      } else {
        if (!(v instanceof array) || v.length !== length) throw new Hdf5Error('EHDF5', `frame ${frame}: feature ${f.name} takes a ${array.name} of ${length} values, got a ${v.constructor.name} of ${v.length}`);
        // Views are copied now: the caller may reuse its buffer once write() returns, before the stash releases it.
        out[f.name] = forThread(v).data;
      }
    }
    const extra = Object.keys(values).find((k) => !this.features.some((f) => f.name === k));
    if (extra !== undefined) throw new Hdf5Error('EHDF5', `frame ${frame}: ${extra} is not one of the features this writer was opened with`);
    return out;
  }
}

/** Every array of an encoded event owns its buffer, so all are transferred (each once: postMessage refuses repeats). */
function eventMessage(frame: number, values: Record<string, AnyTypedArray>): Outgoing {
  return { msg: { type: 'event', frame, values }, transfer: [...new Set(Object.values(values).map((v) => v.buffer as ArrayBuffer))] };
}

function missingLines(ranges: readonly FrameRange[]): string[] {
  return ['frame numbers that never arrived (first-last, inclusive):', ...ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`))];
}

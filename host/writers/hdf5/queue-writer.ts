import type { Worker } from 'node:worker_threads';
import { AsyncQueue } from '../async-queue.js';
import { DTYPES, isDtype, type AnyTypedArray } from '../dtype.js';
import { Hdf5Error } from './errors.js';
import { EventStash, type FrameRange } from './event-stash.js';
import type { Attrs, Hdf5Summary, Hdf5WriterOptions } from './hdf5-writer.js';
import { basinText, checkAttrName, type FileBasin } from './rtdc-rules.js';
import { errorFrom, type FromWorker, type QueueFeature, type ToWorker } from './worker-protocol.js';
import { startWorker } from './worker-thread.js';

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
/** Messages posted to the thread and not yet acknowledged; a few keep it busy while the main thread is slow. */
const IN_FLIGHT = 4;

interface Outgoing {
  msg: ToWorker;
  transfer: ArrayBuffer[];
}

/**
 * An Hdf5Writer on a worker thread, so gzip and HDF5 never block the event loop. Events go through an EventStash
 * (written in frame order whatever order they arrive in) and a bounded queue: write() waits while the queue is full.
 * Typed arrays given to write() belong to the writer from then on: arrays that own their whole buffer are
 * transferred to the thread (and end up detached), others are copied. Any error in the thread aborts the file.
 */
export class QueueHdf5Writer {
  private readonly names = { logs: new Set<string>(), tables: new Set<string>() };
  private readonly exited: Promise<void>;
  private readonly ready: Promise<void>;
  private onReady!: { resolve: () => void; reject: (err: Error) => void };
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private credit: (() => void) | undefined;
  private failure: Error | undefined;
  private summary: Hdf5Summary | undefined;
  private state: 'open' | 'finishing' | 'aborted' = 'open';

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    private readonly features: QueueFeature[],
    private readonly abortFlag: Int32Array,
    private readonly queue: AsyncQueue<Outgoing>,
    private readonly stash: EventStash<Record<string, AnyTypedArray>>,
  ) {
    this.ready = new Promise((resolve, reject) => (this.onReady = { resolve, reject }));
    this.exited = new Promise((resolve) => worker.once('exit', (code) => {
      if (!this.summary) this.fail(new Hdf5Error('EHDF5', `the HDF5 writer thread for ${path} stopped (exit code ${code}) before finishing; the incomplete file is left as ${path}.part`));
      resolve();
    }));
    worker.on('error', (err) => this.fail(new Hdf5Error('EHDF5', `the HDF5 writer thread for ${path} crashed: ${err.message}`, { cause: err })));
    worker.on('message', (msg: FromWorker) => this.receive(msg));
  }

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
    const queue = new AsyncQueue<Outgoing>(options.queueSize ?? 16);
    const stash = new EventStash<Record<string, AnyTypedArray>>(options.firstFrame ?? 0, options.window ?? 64);
    const { compression, level, attrs } = options;
    const abortFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = startWorker({ path, options: { compression, level, attrs }, features: options.features, abortFlag });
    const writer = new QueueHdf5Writer(path, worker, options.features, abortFlag, queue, stash);
    await writer.ready;
    void writer.pump();
    return writer;
  }

  /** Adds the event of frame number `frame`; resolves once it is queued (waits while the queue is full). */
  async write(frame: number, values: EventValues): Promise<void> {
    this.assertOpen();
    const event = this.encode(frame, values);
    const released = this.stash.add(frame, event);
    return this.chain(released.map(([f, v]) => eventMessage(f, v)));
  }

  async setAttrs(attrs: Attrs): Promise<void> {
    this.assertOpen();
    for (const name of Object.keys(attrs)) checkAttrName(name);
    return this.chain([{ msg: { type: 'attrs', attrs }, transfer: [] }]);
  }

  async storeLog(name: string, lines: string[], override = false): Promise<void> {
    this.assertOpen();
    if (this.names.logs.has(name) && !override) throw new Hdf5Error('EHDF5EXISTS', `log /logs/${name} was already stored in ${this.path}; pass override to replace it`);
    this.names.logs.add(name);
    return this.chain([{ msg: { type: 'log', name, lines, override }, transfer: [] }]);
  }

  async storeTable(name: string, columns: Record<string, AnyTypedArray>): Promise<void> {
    this.assertOpen();
    if (this.names.tables.has(name)) throw new Hdf5Error('EHDF5EXISTS', `table /tables/${name} was already stored in ${this.path}`);
    this.names.tables.add(name);
    return this.chain([{ msg: { type: 'table', name, columns }, transfer: [] }]);
  }

  /** Stores a file basin (see FileBasin); resolves to its key under /basins. */
  async storeBasin(basin: FileBasin): Promise<string> {
    this.assertOpen();
    await this.chain([{ msg: { type: 'basin', basin }, transfer: [] }]);
    return basinText(basin).key;
  }

  /**
   * Releases the stash (the gaps left become missing frames, logged in /logs/omvd-missing-frames), writes what is
   * queued, closes the file and renames it into place.
   */
  async finish(): Promise<QueueSummary> {
    this.assertOpen();
    this.state = 'finishing';
    const items = this.stash.drain().map(([f, v]) => eventMessage(f, v));
    const missingFrames = this.stash.missing;
    if (missingFrames.length) items.push({ msg: { type: 'log', name: MISSING_FRAMES_LOG, lines: missingLines(missingFrames), override: true }, transfer: [] });
    items.push({ msg: { type: 'finish' }, transfer: [] });
    await this.chain(items);
    this.queue.close();
    await this.exited;
    if (!this.summary) throw this.failure ?? new Hdf5Error('EHDF5', `${this.path} was not finished`);
    return { ...this.summary, missingFrames };
  }

  /** Stops at once: queued events are dropped, pending calls reject with EABORTED, and `<path>.part` is left. */
  async abort(): Promise<void> {
    if (this.state !== 'aborted' && !this.summary) {
      this.state = 'aborted';
      this.fail(new Hdf5Error('EABORTED', `writing ${this.path} was aborted; the incomplete file is left as ${this.path}.part`));
      Atomics.store(this.abortFlag, 0, 1);
      this.worker.postMessage({ type: 'abort' } satisfies ToWorker);
    }
    await this.exited;
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'ready') this.onReady.resolve();
    else if (msg.type === 'ack') {
      this.inFlight--;
      this.credit?.();
    } else if (msg.type === 'done') this.summary = msg.summary;
    else if (msg.type === 'error') this.fail(errorFrom(msg));
  }

  /** Moves queued messages to the thread, keeping at most IN_FLIGHT unacknowledged. */
  private async pump(): Promise<void> {
    try {
      for await (const { msg, transfer } of this.queue) {
        while (this.inFlight >= IN_FLIGHT && !this.failure) await new Promise<void>((r) => (this.credit = r));
        if (this.failure) return;
        this.inFlight++;
        this.worker.postMessage(msg, transfer);
      }
    } catch {
      // The queue was failed by fail(), which also rejects every pending call.
    }
  }

  /** Puts messages on the queue after those of earlier calls, so concurrent calls keep their order. */
  private chain(items: Outgoing[]): Promise<void> {
    const run = this.tail.then(async () => {
      for (const item of items) {
        if (this.failure) throw this.failure;
        try {
          await this.queue.put(item);
        } catch (err) {
          throw this.failure ?? err;
        }
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.queue.fail(err);
    this.onReady.reject(err);
    this.credit?.();
  }

  private assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new Hdf5Error('EHDF5', `${this.path} is already ${this.state === 'finishing' ? 'finishing' : 'aborted'}`);
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
        out[f.name] = ownsBuffer(v) ? v : copyOf(v, array);
      }
    }
    const extra = Object.keys(values).find((k) => !this.features.some((f) => f.name === k));
    if (extra !== undefined) throw new Hdf5Error('EHDF5', `frame ${frame}: ${extra} is not one of the features this writer was opened with`);
    return out;
  }
}

/** Arrays that are their whole ArrayBuffer can be transferred; a view into a larger (or shared) buffer cannot. */
function ownsBuffer(v: AnyTypedArray): boolean {
  return v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
}

/** Copied at write() time, since the caller may reuse its buffer (a Node Buffer pool slice, say) once write() returns. */
function copyOf(v: AnyTypedArray, array: (typeof DTYPES)[keyof typeof DTYPES]['array']): AnyTypedArray {
  const copy = new array(v.length);
  (copy as Uint8Array).set(v as Uint8Array);
  return copy;
}

function eventMessage(frame: number, values: Record<string, AnyTypedArray>): Outgoing {
  const transfer = new Set(Object.values(values).map((v) => v.buffer as ArrayBuffer));
  return { msg: { type: 'event', frame, values }, transfer: [...transfer] };
}

function missingLines(ranges: readonly FrameRange[]): string[] {
  return ['frame numbers that never arrived (first-last, inclusive):', ...ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`))];
}

import type { Worker } from 'node:worker_threads';
import { AsyncQueue } from '../async-queue.js';
import { DTYPES, type AnyTypedArray } from '../dtype.js';
import { Hdf5Error } from './errors.js';
import type { Hdf5Summary } from './hdf5-writer.js';
import { errorFrom, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.js';
import { acquireWorker, releaseWorker } from './worker-thread.js';

/** Messages posted to the thread and not yet acknowledged; a few keep it busy while the main thread is slow. */
const IN_FLIGHT = 4;

export interface Outgoing {
  msg: ToWorker;
  transfer: ArrayBuffer[];
}

/**
 * The main thread's end of an hdf5-worker thread, for one file: a bounded queue of messages (put waits while it
 * is full), posted in order with at most IN_FLIGHT unacknowledged. Any error in the thread fails every pending and
 * later call. After the file's last word the thread goes back to the pool for the next file.
 */
export class WriterChannel {
  private readonly queue: AsyncQueue<Outgoing>;
  private readonly ended: Promise<void>;
  private readonly ready: Promise<void>;
  private onReady!: { resolve: () => void; reject: (err: Error) => void };
  private onEnd!: (reusable: boolean) => void;
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private credit: (() => void) | undefined;
  private failure: Error | undefined;
  private summary: Hdf5Summary | undefined;
  private state: 'open' | 'finishing' | 'aborted' = 'open';
  /** Until the file's last word: after it the thread may already be writing another file, so nothing more is posted. */
  private live = true;

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    private readonly abortFlag: Int32Array,
    queueSize: number,
  ) {
    this.queue = new AsyncQueue<Outgoing>(queueSize);
    this.ready = new Promise((resolve, reject) => (this.onReady = { resolve, reject }));
    const onMessage = (msg: FromWorker): void => this.receive(msg);
    const onError = (err: Error): void => this.fail(new Hdf5Error('EHDF5', `the HDF5 writer thread for ${path} crashed: ${err.message}`, { cause: err }));
    const onExit = (code: number): void => {
      this.fail(new Hdf5Error('EHDF5', `the HDF5 writer thread for ${path} stopped (exit code ${code}) before finishing; the incomplete file is left as ${path}.part`));
      this.onEnd(false);
    };
    this.ended = new Promise((resolve) => (this.onEnd = (reusable) => {
      this.live = false;
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (reusable) releaseWorker(worker);
      resolve();
    }));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  }

  /** Hands the file to a writer thread, which creates `<path>.part`; resolves once the file exists. */
  static async open(setup: Omit<WorkerSetup, 'abortFlag'>, queueSize: number): Promise<WriterChannel> {
    const abortFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = acquireWorker();
    const channel = new WriterChannel(setup.path, worker, abortFlag, queueSize);
    worker.postMessage({ type: 'open', setup: { ...setup, abortFlag } } satisfies ToWorker);
    await channel.ready;
    void channel.pump();
    return channel;
  }

  /** Throws the thread's failure, or if finish() or abort() was called. */
  assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new Hdf5Error('EHDF5', `${this.path} is already ${this.state === 'finishing' ? 'finishing' : 'aborted'}`);
  }

  /** Queues messages after those of earlier calls, so concurrent calls keep their order; resolves once queued. */
  send(items: Outgoing[]): Promise<void> {
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

  /** Queues `items`, then `finish`: the thread writes everything, closes and renames the file, and stops. */
  async finish(items: Outgoing[] = []): Promise<Hdf5Summary> {
    this.assertOpen();
    this.state = 'finishing';
    await this.send([...items, { msg: { type: 'finish' }, transfer: [] }]);
    this.queue.close();
    await this.ended;
    if (!this.summary) throw this.failure ?? new Hdf5Error('EHDF5', `${this.path} was not finished`);
    return this.summary;
  }

  /** Stops at once: queued messages are dropped, pending calls reject with EABORTED, and `<path>.part` is left. */
  async abort(): Promise<void> {
    if (this.state !== 'aborted' && !this.summary) {
      this.state = 'aborted';
      this.fail(new Hdf5Error('EABORTED', `writing ${this.path} was aborted; the incomplete file is left as ${this.path}.part`));
      this.stopThread();
    }
    await this.ended;
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'ready') this.onReady.resolve();
    else if (msg.type === 'ack') {
      this.inFlight--;
      this.credit?.();
    } else {
      if (msg.type === 'done') this.summary = msg.summary;
      else if (msg.type === 'error') this.fail(errorFrom(msg));
      else this.fail(new Hdf5Error('EABORTED', `writing ${this.path} was aborted; the incomplete file is left as ${this.path}.part`));
      this.onEnd(true);
    }
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
    } catch (err) {
      if (this.failure) return; // the queue was failed by fail(), which also rejects every pending call
      const message = err instanceof Error ? err.message : String(err);
      this.fail(new Hdf5Error('EHDF5', `could not pass data to the HDF5 writer thread for ${this.path} (${message}); the incomplete file is left as ${this.path}.part`, { cause: err }));
      this.stopThread();
    }
  }

  /** Tells the thread to abort the file: at once through the flag, and by message in case it is waiting for one. */
  private stopThread(): void {
    if (!this.live) return;
    Atomics.store(this.abortFlag, 0, 1);
    this.worker.postMessage({ type: 'abort' } satisfies ToWorker);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.queue.fail(err);
    this.onReady.reject(err);
    this.credit?.();
  }
}

/**
 * `data` as it can go to the thread: an array that is its whole ArrayBuffer is transferred (and ends up detached);
 * a view into a larger (or shared) buffer is copied, since the caller may reuse that buffer once the call returns,
 * and the copy is transferred.
 */
export function forThread(data: AnyTypedArray): { data: AnyTypedArray; transfer: ArrayBuffer[] } {
  if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return { data, transfer: [data.buffer] };
  const array = Object.values(DTYPES).find((d) => data instanceof d.array)?.array ?? Uint8Array;
  const copy = new array(data.length);
  (copy as Uint8Array).set(data as Uint8Array);
  return { data: copy, transfer: [copy.buffer as ArrayBuffer] };
}

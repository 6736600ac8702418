import { OmvError } from '../../../protocol/errors.js';
import type { AnyTypedArray, Dtype } from '../dtype.js';
import { Hdf5Error, type Hdf5ErrorCode } from './errors.js';
import type { Attrs, Hdf5Summary, Hdf5WriterOptions } from './hdf5-writer.js';
import type { FileBasin } from './rtdc-rules.js';

/** A feature every event carries; `group` defaults to "events". */
export interface QueueFeature {
  name: string;
  itemShape: number[];
  dtype: Dtype;
  group?: string;
}

/**
 * The file a writer thread is to write (its `open` message). With `events` (QueueHdf5Writer) it creates
 * /events/frame and those features and takes `event` messages; without, features come by `require` messages
 * (ThreadedHdf5Writer). `abortFlag[0]` becomes 1 when the main thread aborts.
 */
export interface WorkerSetup {
  path: string;
  options: Hdf5WriterOptions;
  events?: QueueFeature[];
  abortFlag: Int32Array;
}

export type ToWorker =
  | { type: 'open'; setup: WorkerSetup }
  | { type: 'event'; frame: number; values: Record<string, AnyTypedArray> }
  | { type: 'require'; feature: QueueFeature }
  | { type: 'chunks'; group: string; chunks: Record<string, AnyTypedArray> }
  | { type: 'attrs'; attrs: Attrs; group?: string }
  | { type: 'log'; name: string; lines: string[]; override: boolean }
  | { type: 'table'; name: string; columns: Record<string, AnyTypedArray> }
  | { type: 'basin'; basin: FileBasin }
  | { type: 'finish' }
  | { type: 'abort' };

/**
 * `ready` answers `open`; `ack` follows every message handled after it; `done`, `aborted` and `error` are the
 * file's last word, after which the thread waits for the next `open`.
 */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'ack' }
  | { type: 'done'; summary: Hdf5Summary }
  | { type: 'aborted' }
  | { type: 'error'; code: string; message: string };

/** Errors cross the thread boundary as code + message (structured clone keeps neither the class nor the code). */
export function errorMessage(err: unknown): FromWorker {
  if (err instanceof OmvError) return { type: 'error', code: err.code, message: err.message };
  return { type: 'error', code: 'EHDF5', message: `the HDF5 writer thread failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}` };
}

export function errorFrom(msg: { code: string; message: string }): OmvError {
  const codes: readonly string[] = ['EHDF5', 'EHDF5ATTR', 'EHDF5EXISTS', 'EHDF5LENGTH', 'EFRAMEORDER', 'EABORTED'] satisfies Hdf5ErrorCode[];
  return codes.includes(msg.code) ? new Hdf5Error(msg.code as Hdf5ErrorCode, msg.message) : new OmvError(msg.code, msg.message);
}

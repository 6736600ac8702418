import type { Worker } from 'node:worker_threads';
import { startWorker as startThread } from '../../threads.js';
import type { WorkerSetup } from './worker-protocol.js';

/** Starts hdf5-worker in a thread (h5wasm preloaded: see startWorker). */
export function startWorker(setup: WorkerSetup): Worker {
  return startThread(import.meta.url, 'hdf5-worker', setup, ['h5wasm/node']);
}

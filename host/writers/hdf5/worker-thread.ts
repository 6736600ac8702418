import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../threads.js';

/**
 * Writer threads kept for the next file. A thread's start (its own h5wasm compile, a few hundred ms of CPU, and
 * more while WebAssembly tiers up) would otherwise come with every file: at the start of each capture, once per
 * recording in an export. Idle threads are unref'd, so they never keep the process alive.
 */
const idle: Worker[] = [];
const MAX_IDLE = 2;

/** An idle hdf5-worker thread, or a new one (h5wasm preloaded: see startWorker). */
export function acquireWorker(): Worker {
  const worker = idle.pop() ?? start();
  worker.ref();
  return worker;
}

/** Starts threads until `count` are idle, so files opened later (a capture's, at each camera's first frame) wait for none. */
export function warmWorkers(count: number): void {
  while (idle.length < Math.min(count, MAX_IDLE)) {
    const worker = start();
    worker.unref();
    idle.push(worker);
  }
}

/** Hands back a thread that finished its file (reported done, aborted or a caught error) and is waiting for the next. */
export function releaseWorker(worker: Worker): void {
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

function start(): Worker {
  const worker = startWorker(import.meta.url, 'hdf5-worker', undefined, ['h5wasm/node']);
  // A thread that stops or crashes is never handed out again (the channel using it, if any, reports it).
  const drop = (): void => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  };
  worker.on('exit', drop);
  worker.on('error', drop);
  return worker;
}

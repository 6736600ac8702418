import { Worker } from 'node:worker_threads';
import type { WorkerSetup } from './worker-protocol.js';

/**
 * Starts hdf5-worker in a thread. Compiled (dist/), this module is .js and the worker is the .js beside it. Run from
 * source (vitest, tsx) both are .ts, and Node 20 does not give workers the parent's ESM loader hooks, so
 * `--import tsx` in execArgv does nothing there (nodejs/node#47747); instead a two-line bootstrap registers tsx
 * inside the worker, then imports the .ts worker. It imports h5wasm before registering tsx, because tsx would
 * otherwise transpile h5wasm's 4 MB bundle on every start (2 s instead of 0.3 s).
 */
export function startWorker(setup: WorkerSetup): Worker {
  // The worker needs no flags, and some of the parent's (--input-type, --eval) make a worker fail to start.
  const options = { workerData: setup, execArgv: [] };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./hdf5-worker.js', import.meta.url), options);
  const [h5wasm, tsx, worker] = [import.meta.resolve('h5wasm/node'), import.meta.resolve('tsx/esm/api'), new URL('./hdf5-worker.ts', import.meta.url).href].map((u) => JSON.stringify(u));
  const bootstrap = `import(${h5wasm}).then(() => import(${tsx})).then((tsx) => { tsx.register(); return import(${worker}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

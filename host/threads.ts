import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module `name` (without extension) beside `base` (the caller's
 * import.meta.url). Compiled (dist/), modules are .js and the worker is the .js beside the caller. Run from source
 * (vitest, tsx) both are .ts, and Node 20 does not give workers the parent's ESM loader hooks, so `--import tsx` in
 * execArgv does nothing there (nodejs/node#47747); instead a small bootstrap registers tsx inside the worker, then
 * imports the .ts module. Packages in `preload` are imported before tsx is registered, so tsx does not transpile
 * their large bundles on every start (h5wasm: 2 s instead of 0.3 s).
 */
export function startWorker(base: string, name: string, workerData: unknown, preload: string[] = [], transferList: WorkerOptions['transferList'] = []): Worker {
  // The worker needs no flags, and some of the parent's (--input-type, --eval) make a worker fail to start.
  const options: WorkerOptions = { workerData, execArgv: [], transferList };
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  const q = (u: string): string => JSON.stringify(u);
  const preloads = preload.map((p) => `.then(() => import(${q(import.meta.resolve(p))}))`).join('');
  const bootstrap = `Promise.resolve()${preloads}.then(() => import(${q(import.meta.resolve('tsx/esm/api'))})).then((tsx) => { tsx.register(); return import(${q(new URL(`./${name}.ts`, base).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

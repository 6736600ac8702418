/// <reference path="./h5wasm-plugins.d.ts" />
import type h5wasm from 'h5wasm/node';
import { Hdf5Error } from './errors.js';

export type H5Module = Awaited<typeof h5wasm.ready>;
export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
export type H5Group = InstanceType<typeof h5wasm.Group>;

let ready: Promise<{ h5: typeof h5wasm; module: H5Module }> | undefined;

/**
 * h5wasm, loaded once by the first file (not at start: it costs every command half a second), with HDF5 errors
 * turned into exceptions (by default they only print HDF5-DIAG).
 */
export function loadH5(): Promise<{ h5: typeof h5wasm; module: H5Module }> {
  ready ??= import('h5wasm/node').then(async ({ default: h5 }) => {
    const module = await h5.ready;
    module.activate_throwing_error_handler();
    return { h5, module };
  });
  return ready;
}

let plugins: Promise<void> | undefined;

/**
 * Puts h5wasm-plugins' filters (zstd among them) on this thread's HDF5 plugin path, once. Imported only when a
 * file asks for one, so gzip users load none of its WebAssembly.
 */
export function loadPlugins(module: H5Module): Promise<void> {
  plugins ??= import('h5wasm-plugins').then(
    (p) => p.install_local_plugins(module),
    (err: unknown) => {
      plugins = undefined;
      throw new Hdf5Error('EHDF5', `zstd compression needs the h5wasm-plugins package, which is not installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); run npm install, or use gzip`, { cause: err });
    },
  );
  return plugins;
}

import h5wasm from 'h5wasm/node';

export type H5Module = Awaited<typeof h5wasm.ready>;
export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
export type H5Group = InstanceType<typeof h5wasm.Group>;

let ready: Promise<{ h5: typeof h5wasm; module: H5Module }> | undefined;

/** h5wasm, loaded once, with HDF5 errors turned into exceptions (by default they only print HDF5-DIAG). */
export function loadH5(): Promise<{ h5: typeof h5wasm; module: H5Module }> {
  ready ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
    return { h5: h5wasm, module };
  });
  return ready;
}

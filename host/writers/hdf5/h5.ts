import h5wasm from 'h5wasm/node';

let ready: Promise<typeof h5wasm> | undefined;

/** h5wasm, loaded once, with HDF5 errors turned into exceptions (by default they only print HDF5-DIAG). */
export function loadH5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return ready;
}

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
export type H5Group = InstanceType<typeof h5wasm.Group>;

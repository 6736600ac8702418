// h5wasm-plugins ships no types; omvd uses this one function of it.
declare module 'h5wasm-plugins' {
  /** Adds the package's own plugin folder to the front of h5wasm's HDF5 plugin search path. */
  export function install_local_plugins(module: unknown): void;
}

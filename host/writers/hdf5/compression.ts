import { Hdf5Error } from './errors.js';

/**
 * - `gzip` (the default): the one filter both h5wasm and Debian's HDF5 1.10 readers (h5py, h5dump) have built in.
 * - `zstd`: dcnum's own, filter 32015 (through the h5wasm-plugins package). Files are about half gzip's size but
 *   take longer to write, and readers need the filter plugin (Python: hdf5plugin; Debian packages none for 32015).
 *   dcnum also adds fletcher32 checksums; h5wasm 0.10 sets one filter per dataset, so omvd's zstd files have none.
 * - `none`: stored as they are.
 */
export type Hdf5Compression = 'gzip' | 'zstd' | 'none';
export const HDF5_COMPRESSIONS: readonly Hdf5Compression[] = ['gzip', 'zstd', 'none'];

const ZSTD_FILTER = 32015;
/**
 * gzip 1: on camera frames level 4 is 40% slower than level 1 for a 2% smaller file (reference/toolchain.md §4),
 * and frames must be written as fast as the camera makes them. zstd 5: dcnum's level, which dclab's integrity check
 * counts as compressed.
 */
const LEVELS = { gzip: { default: 1, max: 9 }, zstd: { default: 5, max: 22 } } as const;

/** What h5wasm's create_dataset takes for the filter (nothing for `none`). */
export type FilterArgs = { compression?: 'gzip' | number; compression_opts?: number | number[] };

/** Checks the compression and level (levels from 1; gzip's default 1, zstd's 5) and returns h5wasm's filter args. */
export function filterArgs(compression: Hdf5Compression = 'gzip', level?: number): FilterArgs {
  if (!HDF5_COMPRESSIONS.includes(compression)) throw new Hdf5Error('EHDF5', `unknown HDF5 compression "${String(compression)}": use ${HDF5_COMPRESSIONS.join(', ')}`);
  if (compression === 'none') {
    if (level !== undefined) throw new Hdf5Error('EHDF5', `a compression level (${level}) was given without compression; pass gzip or zstd with it`);
    return {};
  }
  const { default: fallback, max } = LEVELS[compression];
  const l = level ?? fallback;
  if (!Number.isInteger(l) || l < 1 || l > max) throw new Hdf5Error('EHDF5', `${compression} level must be an integer from 1 to ${max}, got ${l}`);
  return compression === 'gzip' ? { compression: 'gzip', compression_opts: l } : { compression: ZSTD_FILTER, compression_opts: [l] };
}

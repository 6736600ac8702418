import { dirname, isAbsolute, relative, sep } from 'node:path';

/** Where each format records the SHA-256 of the recording it was exported from. */
export const SOURCE_HASH = { hdf5: 'user:source sha256', trace: 'source_sha256', records: 'source_sha256', avi: 'ISRC' } as const;

/**
 * The source recording's path as an output records it: relative to the folder of the file that holds it (as dclab
 * resolves paths: from the .rtdc's folder), so it still resolves when both are moved together, with / between
 * names; absolute only where no relative path leads there (another drive).
 */
export function relativeSource(source: string, file: string): string {
  const rel = relative(dirname(file), source);
  return isAbsolute(rel) ? rel : rel.split(sep).join('/');
}

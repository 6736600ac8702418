import { createHash } from 'node:crypto';
import { DTYPES, type Dtype } from '../dtype.js';
import { Hdf5Error } from './errors.js';

/** dcnum's chunk length along axis 0 (`get_best_nd_chunks`): about 1 MiB per chunk, between 10 and 1000 events. */
export function chunkRows(itemShape: readonly number[], dtype: Dtype): number {
  const bytes = itemShape.reduce((a, b) => a * b, 1) * DTYPES[dtype].itemsize;
  return Math.min(1000, Math.max(10, Math.floor(2 ** 20 / bytes)));
}

/** dclab splits every root attribute name on ":" into exactly a section and a key, and refuses the file otherwise. */
export function checkAttrName(name: string): void {
  const parts = name.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Hdf5Error('EHDF5ATTR', `root attribute "${name}" must be named "section:key" with exactly one colon, or dclab refuses the file; put custom values under "user:${name.replaceAll(':', ' ').trim()}"`);
  }
}

/** dclab's integrity check flags log lines longer than 100 bytes (it measures the stored bytes, not characters). */
export const LOG_LINE_BYTES = 100;

/**
 * Log lines as /logs stores them: embedded newlines split, and lines over 100 UTF-8 bytes wrapped (at character
 * boundaries) rather than rejected, so a long message — a path, an error — is kept whole, only across lines.
 */
export function wrapLogLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines.flatMap((l) => l.split(/\r?\n/))) {
    let part = '';
    let bytes = 0;
    for (const ch of line) {
      const n = Buffer.byteLength(ch);
      if (bytes + n > LOG_LINE_BYTES) {
        out.push(part);
        part = '';
        bytes = 0;
      }
      part += ch;
      bytes += n;
    }
    out.push(part);
  }
  return out;
}

/**
 * A `file` basin: another recording these events came from. `format` says what dclab should open it as: "hdf5" for
 * an .rtdc file (dclab loads its features), anything else (omvd uses "openmv-imageio" for camera recordings) makes
 * dclab skip it with a warning instead of trying to open it as HDF5.
 */
export interface FileBasin {
  name: string;
  description?: string;
  format: string;
  /** Where to find it; dclab tries each in turn, also relative to the .rtdc file's folder. */
  paths: string[];
  /** The features it provides, if it provides dclab features at all. */
  features?: string[];
  /** The basin's measurement identifier, which dclab checks when it opens the basin. */
  identifier?: string;
}

/** The basin as dcnum's `store_basin` stores it: `json.dumps(indent=2)` lines under the md5 of that text. */
export function basinText(basin: FileBasin): { key: string; lines: string[] } {
  const dict: Record<string, unknown> = {
    description: basin.description ?? null,
    name: basin.name,
    format: basin.format,
    paths: basin.paths,
    type: 'file',
    identifier: basin.identifier ?? null,
  };
  if (basin.features?.length) dict.features = basin.features;
  // Python's json.dumps escapes every non-ASCII UTF-16 unit (ensure_ascii); matching it keeps dcnum's key.
  const text = JSON.stringify(dict, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return { key: createHash('md5').update(text, 'utf8').digest('hex'), lines: text.split('\n') };
}

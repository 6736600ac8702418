import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { python } from '../../support/tools.js';

export function tmpFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'omvd-hdf5-')), name);
}

/** A frame whose bytes depend on the frame number and the position (so a misplaced or shuffled frame shows). */
export function frameBytes(frame: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (frame + 1) * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function sha256(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Runs a Python snippet with Debian's h5py against `path` (as sys.argv[1]) and parses the JSON it prints. */
export function h5py<T>(code: string, path: string): T {
  const prelude = 'import h5py, json, sys, hashlib, numpy as np\nf = h5py.File(sys.argv[1], "r")\n';
  return JSON.parse(python(prelude + code, path)) as T;
}

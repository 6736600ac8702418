import { statfs } from 'node:fs/promises';
import type { FrameEntry } from '../../protocol/imageio/indexer.js';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { checkWritable, freeBytes, HostDiskError, megabytes } from '../writers/disk.js';
import type { ExportFormat } from './export.js';

export const ELSEWHERE = 'export to another folder with --out';
const OVERHEAD = 64 * 1024;

/**
 * Bytes the outputs of these frames will take, at most for the uncompressed formats (HDF5 is counted before gzip,
 * records as base64) and as a typical JPEG (a quarter byte per gray pixel) for frames the exporter encodes.
 * Blobs are one file each, so each takes at least one filesystem block.
 */
export function estimateBytes(frames: readonly FrameEntry[], formats: readonly ExportFormat[], blockSize: number): number {
  let total = 0;
  for (const f of frames) {
    const format = decodePixformat(f.pixformat);
    const color = format.color || format.compressed;
    const pixels = f.width * f.height;
    const jpeg = format.compressed ? f.dataLength : (pixels * (color ? 3 : 1)) / 4;
    for (const fmt of formats) {
      if (fmt === 'hdf5') total += pixels * (color ? 4 : 1);
      else if (fmt === 'raw') total += pixels * (color ? 3 : 1);
      else if (fmt === 'blob') total += Math.ceil(jpeg / blockSize) * blockSize;
      else if (fmt === 'video') total += jpeg + 24;
      else total += Math.ceil(f.dataLength / 3) * 4 + 200;
    }
  }
  return total + OVERHEAD * formats.length;
}

/** Creates `dir` if needed, proves it writable, and refuses, before anything is written, an export the disk has no room for. */
export async function checkSpace(dir: string, name: string, frames: readonly FrameEntry[], formats: readonly ExportFormat[]): Promise<void> {
  await checkWritable(dir, ELSEWHERE);
  const { bsize } = await statfs(dir);
  const needs = estimateBytes(frames, formats, bsize);
  const free = await freeBytes(dir);
  if (needs > free) throw new HostDiskError('ENOSPC', `${dir} is full: ${name} needs ${megabytes(needs)}, ${megabytes(free)} free; free some space or ${ELSEWHERE}`);
}

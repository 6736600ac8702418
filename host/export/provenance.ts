import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadH5 } from '../writers/hdf5/h5.js';
import { readAviInfo } from '../writers/video/avi.js';
import { SOURCE_HASH } from '../datasets/provenance.js';
import type { ExportFormat } from './export.js';

const MAX_SIDE_FILE = 1 << 20;
const HEAD_BYTES = 64 * 1024;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The SHA-256 of the recording an existing output was exported from, as the output itself records it (HDF5 root
 * attribute, the trace's openmv.json, the record log's header, the AVI's INFO ISRC), or undefined when it records
 * none: then it is not omvd's, or not from a version that recorded it. Outputs are published only when complete,
 * so one that records a hash is a complete export of that recording.
 */
export async function recordedSource(format: ExportFormat, path: string): Promise<string | undefined> {
  try {
    switch (format) {
      case 'hdf5':
        return await hdf5Source(path);
      case 'blob':
      case 'raw': {
        const side = join(path, 'camera', 'openmv.json');
        if ((await stat(side)).size > MAX_SIDE_FILE) return undefined;
        return hex((JSON.parse(await readFile(side, 'utf8')) as Record<string, unknown>)[SOURCE_HASH.trace]);
      }
      case 'records':
        return hex((await firstRecord(path))?.[SOURCE_HASH.records]);
      case 'video':
        return hex((await readAviInfo(path))?.[SOURCE_HASH.avi]);
    }
  } catch {
    return undefined;
  }
}

const hex = (v: unknown): string | undefined => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v : undefined);

async function hdf5Source(path: string): Promise<string | undefined> {
  const { h5 } = await loadH5();
  const file = new h5.File(path, 'r');
  try {
    return hex(file.attrs[SOURCE_HASH.hdf5]?.value);
  } finally {
    file.close();
  }
}

/** The record log's header, read from its first 64 KiB only (a file that is not a log may have no newline at all). */
async function firstRecord(path: string): Promise<Record<string, unknown> | undefined> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0);
    const nl = head.subarray(0, bytesRead).indexOf(0x0a);
    return nl < 0 ? undefined : (JSON.parse(Buffer.from(head.subarray(0, nl)).toString('utf8')) as Record<string, unknown>);
  } finally {
    await fh.close();
  }
}

import { lstat, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ManifestEntry } from '../sync/manifest.js';

/** One file to deliver: a verified recording, or a file of a dataset omvd made from it. */
export interface Deliverable {
  path: string;
  /** Path under the camera folder, '/'-separated: the object key's tail. */
  rel: string;
  kind: 'recording' | 'dataset';
  size: number;
  mtimeMs: number;
}

/** What omvd's export names the outputs of `<stem>.bin` (host/export/export.ts, rotated videos as `<stem>.001.avi`). */
function isDatasetOf(entry: string, stem: string): boolean {
  if ([stem, `${stem}-raw`, `${stem}.rtdc`, `${stem}.avi`, `${stem}.jsonl`].includes(entry)) return true;
  return entry.startsWith(`${stem}.`) && /^\.\d{3}\.avi$/.test(entry.slice(stem.length));
}

/** Outputs still being written (`.part`), atomic-write temp files and hidden files are never delivered. */
function isFinished(entry: string): boolean {
  return !entry.startsWith('.') && !entry.endsWith('.part') && !entry.endsWith('.tmp');
}

async function walk(dir: string, rel: string, out: Deliverable[]): Promise<void> {
  for (const entry of (await readdir(dir)).sort()) {
    if (!isFinished(entry)) continue;
    const path = join(dir, entry);
    const s = await lstat(path);
    if (s.isDirectory()) await walk(path, `${rel}/${entry}`, out);
    else if (s.isFile()) out.push({ path, rel: `${rel}/${entry}`, kind: 'dataset', size: s.size, mtimeMs: s.mtimeMs });
  }
}

/** The recording `name` of a camera folder (if it is still on the host) and every finished file of its datasets. */
export async function deliverables(cameraDir: string, name: string): Promise<Deliverable[]> {
  const out: Deliverable[] = [];
  const recording = await lstat(join(cameraDir, name)).catch(() => undefined);
  if (recording?.isFile()) out.push({ path: join(cameraDir, name), rel: name, kind: 'recording', size: recording.size, mtimeMs: recording.mtimeMs });
  const stem = name.slice(0, name.length - extname(name).length);
  const datasets = join(cameraDir, 'datasets');
  const entries = await readdir(datasets).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    if (!isDatasetOf(entry, stem) || !isFinished(entry)) continue;
    const path = join(datasets, entry);
    const s = await lstat(path);
    if (s.isDirectory()) await walk(path, `datasets/${entry}`, out);
    else if (s.isFile()) out.push({ path, rel: `datasets/${entry}`, kind: 'dataset', size: s.size, mtimeMs: s.mtimeMs });
  }
  return out;
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.yaml': 'application/yaml',
  '.rtdc': 'application/x-hdf5',
  '.avi': 'video/x-msvideo',
};

export function contentType(rel: string): string {
  return CONTENT_TYPES[extname(rel).toLowerCase()] ?? 'application/octet-stream';
}

export interface CameraInfo {
  id: string;
  board?: string;
  firmware?: string;
}

/**
 * The object metadata of every file delivered for a recording (x-amz-meta-*): the object's own SHA-256, and the
 * recording's SHA-256, camera id, board, firmware, frame count and sync time. What is unknown is left out.
 */
export function objectMetadata(camera: CameraInfo, name: string, entry: ManifestEntry, sha256: string): Record<string, string> {
  const meta: Record<string, string> = { sha256, recording: name, 'recording-sha256': entry.sha256, 'camera-id': camera.id, 'synced-at': entry.syncedAt };
  if (camera.board) meta.board = camera.board;
  if (camera.firmware) meta.firmware = camera.firmware;
  if (entry.frames !== null && entry.frames !== undefined) meta.frames = String(entry.frames);
  // Metadata travels as HTTP headers: anything outside printable ASCII is percent-encoded.
  for (const [k, v] of Object.entries(meta)) if (!/^[\x20-\x7e]*$/.test(v)) meta[k] = encodeURIComponent(v);
  return meta;
}

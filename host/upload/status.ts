import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest } from '../sync/manifest.js';
import { deliverables } from './files.js';
import { UPLOAD_DIR, UploadLedger } from './ledger.js';

/** Where one verified recording stands with one store, for `omvd ls` and the daemon's status. */
export interface UploadStatus {
  /**
   * `uploaded`: the recording and every dataset file are verified in the store; `partial`: some are;
   * `uploading`: a multipart upload is under way or was interrupted (a re-run resumes it); `pending`: none yet.
   */
  state: 'uploaded' | 'partial' | 'uploading' | 'pending';
  /** Files (the recording and its dataset files) and how many of them are verified in the store. */
  files: number;
  delivered: number;
  /** The host copy was removed after the upload (`--delete-after-upload`); the manifest keeps its record. */
  hostCopyDeleted: boolean;
  /** Multipart uploads in progress: parts the store acknowledged so far, and the last error if one stopped it. */
  uploading: { path: string; key: string; partsDone: number; parts: number; lastError?: string }[];
}

/**
 * The upload state of every verified recording of `<root>/<cameraId>/` for one target (its `targetId`), read
 * from the upload state on disk only: no request to the store, no credentials needed.
 */
export async function uploadStatus(root: string, cameraId: string, targetId: string): Promise<Record<string, UploadStatus>> {
  const dir = join(root, cameraId);
  const manifest = await readManifest(dir, cameraId);
  const ledger = await UploadLedger.read(dir, targetId);
  const inProgress = (await ledger?.inProgress()) ?? [];
  const out: Record<string, UploadStatus> = {};
  for (const name of Object.keys(manifest.recordings).sort()) {
    const files = await deliverables(dir, name);
    const hostCopyDeleted = !files.some((f) => f.kind === 'recording') && (ledger?.isDeleted(name) ?? false);
    const rels = new Set(files.map((f) => f.rel));
    if (hostCopyDeleted) rels.add(name);
    const delivered = [...rels].filter((rel) => ledger?.get(rel)).length;
    const uploading = inProgress
      .filter((p) => rels.has(p.path))
      .map((p) => ({ path: join(dir, p.path), key: p.key, partsDone: Object.keys(p.parts).length, parts: Math.ceil(p.size / p.partSize), ...(p.lastError ? { lastError: p.lastError.message } : {}) }));
    const state = delivered === rels.size && rels.size > 0 ? 'uploaded' : uploading.length > 0 ? 'uploading' : delivered > 0 ? 'partial' : 'pending';
    out[name] = { state, files: rels.size, delivered, hostCopyDeleted, uploading };
  }
  return out;
}

/**
 * Whether a recording's host copy was removed after it was verified in a store (`--delete-after-upload`, any
 * store): the sync must not copy it from the camera again just because the file is gone.
 */
export async function removedAfterUpload(root: string, cameraId: string, name: string): Promise<boolean> {
  const dir = join(root, cameraId);
  for (const id of await readdir(join(dir, UPLOAD_DIR)).catch(() => [] as string[])) {
    const ledger = await UploadLedger.read(dir, id);
    if (ledger?.isDeleted(name) && ledger.get(name)) return true;
  }
  return false;
}

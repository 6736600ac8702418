import { readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import type { Logger } from '../log.js';
import { isSafeName } from '../sync/catalog.js';
import { MANIFEST_FILE, readManifest, type ManifestEntry } from '../sync/manifest.js';
import type { Store } from './client.js';
import { deliverFile, InterruptedError, stillThere, type DeliverContext, type DeliverJob, type Outcome } from './deliver.js';
import { StoreError } from './errors.js';
import { contentType, deliverables, objectMetadata, type CameraInfo, type Deliverable } from './files.js';
import { UploadLedger } from './ledger.js';
import type { RateLimit } from './rate-limit.js';
import { eachLimited, Slots } from './slots.js';
import { objectKey } from './target.js';

export interface UploadOptions {
  log?: Logger;
  /** Stops the upload (in-flight requests are aborted; what the store acknowledged is kept). */
  signal?: AbortSignal;
  /** One limit for everything this process sends (`--upload-limit`). */
  limit?: RateLimit;
  /** Remove the recording and its datasets from the host once every one of their objects is verified in the store. */
  deleteAfterUpload?: boolean;
  /** How long a file may make no progress against an unreachable store before omvd gives up. Default 10 min. */
  retryForMs?: number;
  /** Default 8 MiB (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Requests with a body in flight at once. Default 4. */
  concurrency?: number;
  /** Bytes the store acknowledged for a file so far. */
  onProgress?: (p: { camera: string; path: string; sent: number; size: number }) => void;
}

export interface FileReport extends Outcome {
  camera: string;
  recording: string;
  kind: Deliverable['kind'];
  path: string;
  size: number;
}

export interface FileFailure {
  camera: string;
  recording: string;
  path: string;
  key?: string;
  code: string;
  error: string;
}

/** What became of one verified recording and its datasets. */
export interface RecordingUpload {
  camera: string;
  recording: string;
  files: FileReport[];
  failed: FileFailure[];
  /** Host paths removed after their objects were verified (`deleteAfterUpload`). */
  deleted: string[];
}

/** Errors about the store as a whole end the run; errors about one file (a conflict, a changed file) do not. */
function endsTheRun(e: unknown): boolean {
  return e instanceof InterruptedError || (e instanceof StoreError && e.code !== 'ESTORE');
}

/**
 * Delivers verified recordings and their datasets to one store. Only what a camera folder's manifest lists is
 * uploaded (the verified recordings), under `prefix/<camera id>/<name>`, with the datasets omvd made from each
 * under `prefix/<camera id>/datasets/`. One Uploader serves every camera of a process: the bandwidth limit and
 * the requests in flight are shared.
 */
export class Uploader {
  private readonly ledgers = new Map<string, Promise<UploadLedger>>();
  private readonly ctx: DeliverContext;

  constructor(
    readonly store: Store,
    private readonly options: UploadOptions = {},
  ) {
    this.ctx = {
      store,
      slots: new Slots(options.concurrency ?? 4),
      partSize: options.partSize ?? 8 * 2 ** 20,
      retryForMs: options.retryForMs ?? 600_000,
      ...(options.limit ? { limit: options.limit } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { log: options.log.child({ module: 'upload' }) } : {}),
    };
  }

  private ledger(cameraDir: string): Promise<UploadLedger> {
    let ledger = this.ledgers.get(cameraDir);
    if (!ledger) {
      ledger = UploadLedger.open(cameraDir, this.store);
      this.ledgers.set(cameraDir, ledger);
    }
    return ledger;
  }

  /**
   * Delivers one verified recording of `<root>/<cameraId>/` and its datasets (the daemon's hook, after a sync and
   * its export). `camera` adds what the manifest does not hold (the board).
   */
  async uploadVerified(root: string, cameraId: string, recording: string, camera: Partial<CameraInfo> = {}): Promise<RecordingUpload> {
    const dir = join(root, cameraId);
    const result: RecordingUpload = { camera: cameraId, recording, files: [], failed: [], deleted: [] };
    const fail = (path: string, code: string, error: string, key?: string): void => void result.failed.push({ camera: cameraId, recording, path, code, error, ...(key ? { key } : {}) });
    const manifest = await readManifest(dir, cameraId);
    const entry = manifest.recordings[recording];
    const problem = entryProblem(recording, entry);
    if (problem || !entry) {
      fail(join(dir, recording), 'EUNVERIFIED', `${join(dir, MANIFEST_FILE)}: ${problem ?? `does not list ${recording}`}; only recordings the sync verified are uploaded`);
      return result;
    }
    const info: CameraInfo = { ...manifest.camera, id: cameraId, ...camera };
    const ledger = await this.ledger(dir);
    const files = await deliverables(dir, recording);
    const onHost = files.find((f) => f.kind === 'recording');
    if (!onHost && !ledger.isDeleted(recording)) fail(join(dir, recording), 'EMISSING', `${join(dir, recording)} is listed in the manifest but is not on the host, and was never uploaded from it; re-sync it from the camera`);
    if (onHost && onHost.size !== entry.size) {
      fail(onHost.path, 'ECHANGED', `${onHost.path} is ${onHost.size} bytes, but the manifest verified ${entry.size}: it changed after the sync; nothing was uploaded for it, re-sync it`);
      files.splice(files.indexOf(onHost), 1);
    }
    const jobs = files.map((file) => this.job(cameraId, recording, entry, info, file));
    const deliver = async (job: DeliverJob, adopt: boolean): Promise<Outcome | undefined> => {
      try {
        const outcome = await deliverFile({ ...this.ctx, onSent: this.progress(cameraId, job.file) }, ledger, job, adopt);
        result.files.push({ camera: cameraId, recording, kind: job.file.kind, path: job.file.path, size: job.file.size, ...outcome });
        return outcome;
      } catch (e) {
        if (endsTheRun(e)) throw e;
        const err = e as Error & { code?: string };
        fail(job.file.path, err.code ?? 'EINTERNAL', err.message, job.key);
        this.ctx.log?.error({ file: job.file.path, code: err.code }, `could not upload ${job.file.path}: ${err.message}`);
        return undefined;
      }
    };
    // A dataset folder (a roverd trace) is one host's, whole: whoever creates its first object delivers the rest,
    // and another host that synced the same recording only waits for those objects instead of mixing in its own.
    await eachLimited(units(jobs), this.ctx.slots.size, async ([claim, ...rest]) => {
      const outcome = await deliver(claim!, false);
      if (!outcome || rest.length === 0) return;
      const ours = outcome.state === 'uploaded' || (outcome.state === 'delivered' && ledger.get(claim!.file.rel)?.how === 'uploaded');
      await eachLimited(rest, this.ctx.slots.size, async (job) => void (await deliver(job, !ours)));
    });
    const waiting = result.files.some((f) => f.state === 'waiting');
    if (this.options.deleteAfterUpload && result.failed.length === 0 && !waiting) result.deleted = await this.removeHostCopy(dir, ledger, jobs, result.files);
    return result;
  }

  /**
   * Delivers every verified recording of one camera folder (those delivered before cost no request): the daemon
   * runs this after each sync pass, so a recording whose upload failed earlier is retried too.
   */
  async uploadCamera(root: string, cameraId: string, camera: Partial<CameraInfo> = {}, onRecording?: (r: RecordingUpload) => void): Promise<RecordingUpload[]> {
    const manifest = await readManifest(join(root, cameraId), cameraId);
    const results: RecordingUpload[] = [];
    for (const name of Object.keys(manifest.recordings).sort()) {
      const r = await this.uploadVerified(root, cameraId, name, camera);
      results.push(r);
      onRecording?.(r);
    }
    return results;
  }

  /** Delivers every verified recording of every camera folder in `root` (`omvd upload ROOT`), or of the cameras named. */
  async uploadRoot(root: string, cameras?: readonly string[], onRecording?: (r: RecordingUpload) => void): Promise<RecordingUpload[]> {
    for (const id of cameras ?? []) if (!/^[0-9A-F]{24}$/.test(id)) throw new OmvError('EUSAGE', `--camera ${id}: a camera id is 24 hex digits in upper case (the folder names in ${root})`);
    const ids = cameras?.length ? [...cameras] : await cameraFolders(root);
    if (ids.length === 0) throw new OmvError('EEMPTY', `${root} holds no synced camera (no <camera id>/${MANIFEST_FILE}): sync one first with omvd sync --root ${root}`);
    const results: RecordingUpload[] = [];
    for (const id of ids) {
      const done = await this.uploadCamera(root, id, {}, onRecording);
      if (cameras?.length && done.length === 0) throw new OmvError('EEMPTY', `${join(root, id)} holds no verified recording of camera ${id}`);
      results.push(...done);
    }
    return results;
  }

  private job(cameraId: string, recording: string, entry: ManifestEntry, camera: CameraInfo, file: Deliverable): DeliverJob {
    return {
      file,
      key: objectKey(this.store.target, cameraId, file.rel),
      contentType: contentType(file.rel),
      recording,
      recordingSha256: entry.sha256,
      ...(file.kind === 'recording' ? { sha256: entry.sha256 } : {}),
      metadata: (sha256) => objectMetadata(camera, recording, entry, sha256),
    };
  }

  private progress(camera: string, file: Deliverable): (n: number) => void {
    let sent = 0;
    return (n) => {
      sent += n;
      this.options.onProgress?.({ camera, path: file.path, sent, size: file.size });
    };
  }

  /**
   * Deletes the host's copies, datasets first and the recording last, each recorded in the ledger (never in the
   * manifest, which keeps the recording's record). Files verified by an earlier run are checked in the store again.
   */
  private async removeHostCopy(cameraDir: string, ledger: UploadLedger, jobs: DeliverJob[], reports: FileReport[]): Promise<string[]> {
    const byPath = new Map(reports.map((r) => [r.path, r]));
    for (const job of jobs) {
      const report = byPath.get(job.file.path)!;
      if (report.state === 'delivered' && !(await stillThere(this.ctx, job, report.sha256))) {
        this.ctx.log?.warn({ key: job.key }, `${job.key} is no longer in the store as it was uploaded; the host copy of ${job.recording} is kept (run omvd upload again)`);
        return [];
      }
    }
    const deleted: string[] = [];
    const datasets = join(cameraDir, 'datasets');
    const dirs = new Set<string>();
    for (const job of [...jobs].sort((a, b) => (a.file.kind === 'recording' ? 1 : 0) - (b.file.kind === 'recording' ? 1 : 0))) {
      await rm(job.file.path, { force: true });
      await ledger.recordDeleted(job.file.rel);
      deleted.push(job.file.path);
      if (job.file.kind === 'dataset') for (let d = dirname(job.file.path); d.startsWith(`${datasets}/`); d = dirname(d)) dirs.add(d);
    }
    // Only folders the deleted files leave empty go (a trace folder); anything else in them stays.
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
    return deleted;
  }
}

/** The recording first, then each dataset (a file, or a folder's files in order), as lists whose first file decides. */
function units(jobs: DeliverJob[]): DeliverJob[][] {
  const byUnit = new Map<string, DeliverJob[]>([['', []]]);
  for (const job of [...jobs].sort((a, b) => a.file.rel.localeCompare(b.file.rel))) {
    const unit = job.file.kind === 'recording' ? '' : job.file.rel.split('/')[1]!;
    if (!byUnit.has(unit)) byUnit.set(unit, []);
    byUnit.get(unit)!.push(job);
  }
  return [...byUnit.values()].filter((u) => u.length > 0);
}

function entryProblem(name: string, entry: ManifestEntry | undefined): string | undefined {
  if (!entry) return undefined;
  if (!isSafeName(name)) return `the name ${JSON.stringify(name).slice(0, 80)} is not a safe file name`;
  if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) return `the sha256 of ${name} is not 64 hex digits`;
  if (!Number.isSafeInteger(entry.size) || entry.size < 0) return `the size of ${name} is not a byte count`;
  return undefined;
}

async function cameraFolders(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new OmvError(e.code ?? 'EIO', `${root} cannot be read: ${e.message}`);
  });
  const ids: string[] = [];
  for (const e of entries.filter((d) => d.isDirectory() && !d.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    const has = await readdir(join(root, e.name)).then((names) => names.includes(MANIFEST_FILE), () => false);
    if (has) ids.push(e.name);
  }
  return ids;
}

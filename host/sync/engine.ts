import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import type { Logger } from '../log.js';
import type { ClientStats, V2Client } from '../v2/client.js';
import { V2ClosedError, V2TimeoutError } from '../v2/errors.js';
import { identifyUsb } from '../discovery/usb-ids.js';
import { diskError, ensureDir, freeBytes, HostDiskError, megabytes } from '../writers/disk.js';
import { fetchCatalog, OMVD_CHANNELS, requireChannel, type Catalog } from './catalog.js';
import { cameraCommand } from './ctl.js';
import { MANIFEST_FILE, readManifest, writeManifest } from './manifest.js';
import { mirrorRecording, type MirrorOptions, type MirrorResult } from './mirror.js';
import { partialPaths } from './partial.js';

export interface SyncOptions extends MirrorOptions {
  /** Delete each recording on the camera once its host copy is verified (the camera checks the hash too). */
  deleteAfterSync?: boolean;
  /** Only say what would be copied and deleted: nothing is written, on the host or the camera. */
  dryRun?: boolean;
  /** Whether a verified recording's host copy was removed on purpose (delivered to a store, --delete-after-upload): it is up to date, not fetched again. */
  removedFromHost?: (camera: string, name: string) => Promise<boolean>;
  log?: Logger;
}

/** What a dry run would do with one recording. */
export interface PlannedCopy {
  name: string;
  size: number;
  /** Bytes already verified in its partial copy: the sync would resume there. */
  resumeFrom: number;
  open: boolean;
}

export interface SyncSummary {
  camera: string;
  /** The board, from its USB id (absent when omvd does not know it). */
  board?: string;
  dir: string;
  synced: MirrorResult[];
  /** Recordings whose verified copy was already on the host. */
  upToDate: string[];
  refused: Catalog['refused'];
  failed: { name: string; error: string; code: string }[];
  deleted: string[];
  /** A dry run's plan: what would be copied, and what --delete-after-sync would delete. */
  wouldSync?: PlannedCopy[];
  wouldDelete?: string[];
  /** What the link went through during this sync. */
  link: ClientStats;
}

/** What a user can do when the root's disk refuses. */
const ELSEWHERE = 'sync into another --root';

export class SyncError extends OmvError {
  constructor(message: string) {
    super('ESYNC', message);
  }
}

/**
 * Mirrors every recording of a connected camera into `<root>/<camera id>/`, one at a time, verified and
 * resumable; records each in the manifest. A recording that fails (integrity, a refused name) is reported and the
 * rest go on; losing the camera ends the sync (the next run resumes).
 */
export async function syncCamera(client: V2Client, root: string, options: SyncOptions = {}): Promise<SyncSummary> {
  const log = options.log?.child({ module: 'sync' });
  const id = client.camera.sysInfo.uniqueId;
  if (!/^[0-9A-F]{24}$/.test(id)) throw new SyncError(`the camera's unique id "${id}" is not 24 hex digits; refusing to use it as a folder name`);
  const dir = join(root, id);
  if (!options.dryRun) await ensureDir(dir, ELSEWHERE);
  const manifest = await readManifest(dir, id);
  // What the file on disk says (null: no file yet): a pass that changes nothing does not rewrite and fsync it.
  let onDisk = existsSync(join(dir, MANIFEST_FILE)) ? JSON.stringify(manifest) : null;
  const save = async (): Promise<void> => {
    const now = JSON.stringify(manifest);
    if (now === onDisk) return;
    await writeManifest(dir, manifest);
    onDisk = now;
  };
  const board = identifyUsb(client.camera.sysInfo.usbVid.toString(16), client.camera.sysInfo.usbPid.toString(16))?.board;
  manifest.camera = { id, firmware: client.camera.version.firmware.join('.'), ...(board ? { board } : {}) };
  const catalog = await fetchCatalog(client);
  const fileChan = requireChannel(client, OMVD_CHANNELS.file);
  const summary: SyncSummary = { camera: id, ...(board ? { board } : {}), dir, synced: [], upToDate: [], refused: catalog.refused, failed: [], deleted: [], link: client.stats, ...(options.dryRun ? { wouldSync: [], wouldDelete: [] } : {}) };
  for (const r of catalog.refused) log?.warn(`refused a catalog entry: ${r.reason}`);
  for (const entry of [...catalog.recordings].sort((a, b) => a.name.localeCompare(b.name))) {
    const have = manifest.recordings[entry.name];
    const path = join(dir, entry.name);
    const onHost = existsSync(path) || (have !== undefined && (await options.removedFromHost?.(id, entry.name)) === true);
    let verified = have !== undefined && onHost && entry.sha256 === have.sha256 && entry.size === have.size;
    if (verified) summary.upToDate.push(entry.name);
    else if (existsSync(path)) {
      summary.failed.push({ name: entry.name, code: 'ECONFLICT', error: `${path} exists but is not the camera's ${entry.name} (size or hash differ); move it away to sync this recording` });
      continue;
    } else if (summary.wouldSync) {
      summary.wouldSync.push({ name: entry.name, size: entry.size, resumeFrom: await verifiedPartial(dir, entry.name), open: entry.open });
      continue;
    } else {
      try {
        const need = entry.size - (await verifiedPartial(dir, entry.name));
        const free = await freeBytes(dir);
        if (free < need) throw new HostDiskError('ENOSPC', `${root} is full: ${entry.name} needs ${megabytes(need)}, ${megabytes(free)} free; free some space or ${ELSEWHERE} (what is verified so far stays, and the sync resumes there)`);
        const result = await mirrorRecording(client, fileChan, dir, entry, options);
        manifest.recordings[entry.name] = { size: result.size, sha256: result.sha256, frames: entry.frames, syncedAt: new Date().toISOString(), ...(entry.cameraName !== entry.name ? { cameraName: entry.cameraName } : {}) };
        await save();
        summary.synced.push(result);
        verified = true;
        log?.info({ bytes: result.size, sha256: result.sha256, resumedFrom: result.resumedFrom }, `synced ${entry.name}`);
      } catch (e) {
        // The camera went away or stopped answering: the other recordings would fail the same way.
        if (e instanceof V2ClosedError || e instanceof V2TimeoutError || (e as Error).name === 'AbortError') throw e;
        const err = (await diskError(e, dir, `copying ${entry.name}`, ELSEWHERE)) as Error & { code?: string };
        summary.failed.push({ name: entry.name, code: err.code ?? 'EINTERNAL', error: err.message });
        log?.error({ code: err.code }, `could not sync ${entry.name}: ${err.message}`);
        continue;
      }
    }
    if (verified && options.deleteAfterSync && !entry.open && summary.wouldDelete) {
      summary.wouldDelete.push(entry.name);
      continue;
    }
    if (verified && options.deleteAfterSync && !entry.open) {
      const sha256 = manifest.recordings[entry.name]!.sha256;
      await cameraCommand(client, { cmd: 'delete', name: entry.cameraName, sha256 });
      summary.deleted.push(entry.name);
      log?.info(`deleted ${entry.name} on the camera after verifying the host copy`);
    }
  }
  if (!options.dryRun) await save();
  summary.link = client.stats;
  log?.debug({ link: summary.link }, 'link statistics');
  return summary;
}

/** How many bytes of a recording's partial copy are verified (what a sync would resume from). */
async function verifiedPartial(dir: string, name: string): Promise<number> {
  try {
    const state = JSON.parse(await readFile(partialPaths(dir, name).state, 'utf8')) as { verified?: unknown };
    return Number.isSafeInteger(state.verified) ? (state.verified as number) : 0;
  } catch {
    return 0;
  }
}

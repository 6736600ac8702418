import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { identifyUsb } from '../discovery/usb-ids.js';
import type { Catalog, CatalogEntry } from '../sync/catalog.js';
import { readManifest } from '../sync/manifest.js';
import { partialPaths } from '../sync/partial.js';
import type { UploadStatus } from '../upload/status.js';
import type { ClientStats, V2Client } from '../v2/client.js';

/**
 * The JSON of what a command shows, built one way whether the command opened the port itself or asked the daemon:
 * `omvd info --json` and `omvd ls --json` print these, and the API's resources answer with them.
 */

export interface InfoEntry {
  port: string;
  board: string;
  protocolBy: 'firmware' | 'omvd scripts';
  version: V2Client['camera']['version'];
  sysInfo: V2Client['camera']['sysInfo'];
  caps: V2Client['camera']['caps'];
  channels: V2Client['camera']['channels'];
  link: ClientStats;
}

/** One camera of `omvd info --json`. */
export function infoEntry(port: string, client: V2Client): InfoEntry {
  const { version, sysInfo, caps, channels } = client.camera;
  // Firmware 5.x speaks Protocol V2 itself; on 4.x it is omvd's scripts that do (device-scripts/omvd/v2link.py).
  const protocolBy = version.firmware[0]! >= 5 ? 'firmware' : 'omvd scripts';
  const board = identifyUsb(sysInfo.usbVid.toString(16), sysInfo.usbPid.toString(16))?.board ?? `unknown board (USB ${sysInfo.usbVid.toString(16)}:${sysInfo.usbPid.toString(16)})`;
  return { port, board, protocolBy, version, sysInfo, caps, channels, link: client.stats };
}

/** Where a recording stands on the host: verified, being copied (by the daemon), partly copied, or not yet. */
export interface RecordingSync {
  state: 'synced' | 'copying' | 'partial' | 'waiting';
  /** Bytes on the host: verified bytes of a partial copy, or copied so far. */
  bytes: number;
}

export type LsRecording = CatalogEntry & { synced: boolean; sync: RecordingSync; upload?: UploadStatus };

export interface LsEntry {
  id: string;
  port: string;
  recordings: LsRecording[];
  refused: string[];
  link: ClientStats;
}

async function verifiedBytes(dir: string, name: string): Promise<number> {
  try {
    const state = JSON.parse(await readFile(partialPaths(dir, name).state, 'utf8')) as { verified?: unknown };
    return Number.isSafeInteger(state.verified) ? (state.verified as number) : 0;
  } catch {
    return 0;
  }
}

/** One camera of `omvd ls --json`: its catalog against the manifest under `root`. */
export async function lsEntry(
  root: string,
  camera: { id: string; port: string; catalog: Catalog; link: ClientStats },
  options: { uploads?: Record<string, UploadStatus>; copying?: { name: string; bytes: number } | null } = {},
): Promise<LsEntry> {
  const dir = join(root, camera.id);
  const manifest = await readManifest(dir, camera.id);
  const recordings: LsRecording[] = [];
  for (const r of camera.catalog.recordings) {
    const have = manifest.recordings[r.name];
    const synced = have !== undefined && have.sha256 === r.sha256 && have.size === r.size;
    const partial = synced ? r.size : await verifiedBytes(dir, r.name);
    const sync: RecordingSync = synced ? { state: 'synced', bytes: r.size } : options.copying?.name === r.name ? { state: 'copying', bytes: options.copying.bytes } : { state: partial > 0 ? 'partial' : 'waiting', bytes: partial };
    const upload = options.uploads?.[r.name];
    recordings.push({ ...r, synced, sync, ...(upload ? { upload } : {}) });
  }
  return { id: camera.id, port: camera.port, recordings, refused: camera.catalog.refused.map((x) => x.reason), link: camera.link };
}

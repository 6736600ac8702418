import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { V2StatusError } from '../v2/errors.js';
import type { V2Client } from '../v2/client.js';
import { fetchCatalog, FileIoctl, type Catalog, type CatalogEntry } from './catalog.js';
import { PartialFile } from './partial.js';

export class IntegrityError extends OmvError {
  constructor(message: string) {
    super('EINTEGRITY', message);
  }
}

/** The camera marks a recording open, but nothing has been added to it (or to its hash) for too long. */
export class RecordingStalledError extends OmvError {
  constructor(message: string) {
    super('ESTALLED', message);
  }
}

export interface MirrorOptions {
  /** Bytes per CHANNEL_READ at most (fewer on a noisy line: see V2Client.readSome). Default 32 KiB. */
  chunk?: number;
  /** How often to look for new bytes of a recording still being written. Default 200 ms. */
  tailPollMs?: number;
  /** How long to wait for the camera to hash a closed recording. Default 10 min. */
  hashWaitMs?: number;
  /**
   * How long an open recording may go without a new frame, or a hash without progress, before the sync reports it
   * and moves on (the verified bytes stay for the next sync). At least five frame periods of the camera's rate.
   * Default 10 s.
   */
  stallMs?: number;
  onProgress?: (name: string, bytes: number, total: number) => void;
  signal?: AbortSignal;
}

export interface MirrorResult {
  name: string;
  size: number;
  sha256: string;
  resumedFrom: number;
  path: string;
}

const CHECKPOINT_BYTES = 1 << 20;
const CHECKPOINT_MS = 1000;
const CATALOG_EVERY_MS = 1000;
const DEFAULT_STALL_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The stall limit for a recording the camera writes at `fps` (null: unknown). */
function stallLimit(options: MirrorOptions, fps: number | null): number {
  return Math.max(options.stallMs ?? DEFAULT_STALL_MS, fps ? 5000 / fps : 0);
}

function said(catalog: Catalog): string {
  return catalog.recorderError ? ` The camera says its recording ended on: ${catalog.recorderError}.` : '';
}

/**
 * Copies one recording from the camera to `<dir>/<name>`: reads by offset (each reply CRC-checked by the protocol),
 * appends to a resumable partial file, follows a recording that is still being written, and publishes the file with
 * an atomic rename only once its SHA-256 equals the camera's.
 */
export async function mirrorRecording(client: V2Client, fileChan: number, dir: string, entry: CatalogEntry, options: MirrorOptions = {}): Promise<MirrorResult> {
  const chunk = options.chunk ?? 32 * 1024;
  const part = await PartialFile.open(dir, entry.name);
  const resumedFrom = part.length;
  const encoder = new TextEncoder();
  const select = (): Promise<void> => client.ioctl(fileChan, FileIoctl.SELECT, encoder.encode(entry.cameraName));
  try {
    await select();
    let current = entry;
    let lastCheckpoint = Date.now();
    let lastCatalog = Date.now();
    let lastGrowth = Date.now();
    let reselected = false;
    for (;;) {
      options.signal?.throwIfAborted();
      if (part.length < current.size) {
        const n = Math.min(chunk, current.size - part.length);
        let data: Uint8Array;
        try {
          data = await client.readSome(fileChan, part.length, n);
        } catch (e) {
          if (reselected || !(e instanceof V2StatusError)) throw e;
          reselected = true; // once in a row: the script may have restarted and lost the selection
          await select();
          continue;
        }
        reselected = false;
        await part.append(data);
        options.onProgress?.(entry.name, part.length, current.size);
        if (part.unsynced >= CHECKPOINT_BYTES || Date.now() - lastCheckpoint >= CHECKPOINT_MS) {
          await part.checkpoint();
          lastCheckpoint = Date.now();
        }
        continue;
      }
      if (part.length > current.size) throw new IntegrityError(`${entry.name} shrank on the camera (host has ${part.length} bytes, camera says ${current.size}); it was replaced: move the partial copy away and sync again`);
      if (current.open) {
        await part.checkpoint();
        await sleep(options.tailPollMs ?? 200);
        const size = await client.size(fileChan);
        if (size > current.size) {
          current = { ...current, size };
          lastGrowth = Date.now();
        } else if (Date.now() - lastCatalog >= CATALOG_EVERY_MS) {
          lastCatalog = Date.now();
          const catalog = await fetchCatalog(client);
          const found = catalog.recordings.find((r) => r.name === entry.name);
          if (!found) throw new IntegrityError(`${entry.name} disappeared from the camera while it was being recorded; ${part.length} bytes stay in .partial`);
          if (found.size > current.size || found.frames !== current.frames || !found.open) lastGrowth = Date.now();
          current = found;
          const limit = stallLimit(options, catalog.recorder?.file === entry.cameraName ? catalog.recorder.fps : null);
          if (current.open && Date.now() - lastGrowth > limit) {
            throw new RecordingStalledError(
              `${entry.name} is still open on the camera, but has not grown for ${Math.round(limit / 1000)} s: its recorder has stopped (the camera's script may have died).${said(catalog)} ` +
                `${part.length} verified bytes are kept, and a later sync resumes once the camera closes the file: restart the camera's script (or the camera).`,
            );
          }
        }
        continue;
      }
      if (!current.sha256) {
        current = await waitForHash(client, current, options);
        continue;
      }
      break;
    }
    await part.checkpoint();
    const sha256 = part.digest();
    if (sha256 !== current.sha256) {
      const kept = await part.discard();
      throw new IntegrityError(`${entry.name}: host copy hashes to ${sha256} but the camera's is ${current.sha256}; the bytes were set aside as ${kept} and the next sync starts it over`);
    }
    const path = join(dir, entry.name);
    await part.publish(path);
    const published = await stat(path);
    return { name: entry.name, size: published.size, sha256, resumedFrom, path };
  } catch (e) {
    await part.close().catch(() => {});
    throw e;
  }
}

/** Waits for the camera's hash of a closed recording, as long as its hasher makes progress (and at most hashWaitMs). */
async function waitForHash(client: V2Client, entry: CatalogEntry, options: MirrorOptions): Promise<CatalogEntry> {
  const until = Date.now() + (options.hashWaitMs ?? 600_000);
  const limit = stallLimit(options, null);
  let progress: string | null = null;
  let progressAt = Date.now();
  for (;;) {
    const catalog = await fetchCatalog(client);
    const found = catalog.recordings.find((r) => r.name === entry.name);
    if (!found) throw new IntegrityError(`${entry.name} disappeared from the camera during the sync`);
    if (found.sha256 || found.open || found.size !== entry.size) return found;
    // Scripts that do not report their hasher get hashWaitMs; the others as long as their hasher moves (any file).
    const mark = catalog.hashing === undefined ? null : catalog.hashing ? `${catalog.hashing.name}:${catalog.hashing.done}` : '';
    if (mark === null || mark !== progress) {
      progress = mark;
      progressAt = Date.now();
    }
    if (Date.now() > until) throw new IntegrityError(`the camera did not hash ${entry.name} within ${Math.round((options.hashWaitMs ?? 600_000) / 1000)} s; its hasher may be stuck: restart the camera`);
    if (Date.now() - progressAt > limit) throw new RecordingStalledError(`the camera has not hashed ${entry.name}, and its hasher has not moved for ${Math.round(limit / 1000)} s (its script may have died); a later sync resumes from the ${entry.size} bytes copied: restart the camera's script (or the camera)`);
    options.signal?.throwIfAborted();
    await sleep(250);
  }
}

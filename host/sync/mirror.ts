import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { V2StatusError } from '../v2/errors.js';
import type { V2Client } from '../v2/client.js';
import { fetchCatalog, FileIoctl, type CatalogEntry } from './catalog.js';
import { PartialFile } from './partial.js';

export class IntegrityError extends OmvError {
  constructor(message: string) {
    super('EINTEGRITY', message);
  }
}

export interface MirrorOptions {
  /** Bytes per CHANNEL_READ at most (fewer on a noisy line: see V2Client.readSome). Default 32 KiB. */
  chunk?: number;
  /** How often to look for new bytes of a recording still being written. Default 200 ms. */
  tailPollMs?: number;
  /** How long to wait for the camera to hash a closed recording. Default 10 min. */
  hashWaitMs?: number;
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
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  const select = (): Promise<void> => client.ioctl(fileChan, FileIoctl.SELECT, encoder.encode(entry.name));
  try {
    await select();
    let current = entry;
    let lastCheckpoint = Date.now();
    let lastCatalog = Date.now();
    let reselected = false;
    for (;;) {
      options.signal?.throwIfAborted();
      if (part.length < current.size) {
        const n = Math.min(chunk, current.size - part.length);
        let data: Uint8Array;
        try {
          data = await client.readSome(fileChan, part.length, n);
        } catch (e) {
          if (!(e instanceof V2StatusError) || reselected) throw e;
          reselected = true; // the script may have restarted and lost the selection: select again, once
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
        if (size > current.size) current = { ...current, size };
        else if (Date.now() - lastCatalog >= 1000) {
          lastCatalog = Date.now();
          current = (await fetchCatalog(client)).recordings.find((r) => r.name === entry.name) ?? current;
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

async function waitForHash(client: V2Client, entry: CatalogEntry, options: MirrorOptions): Promise<CatalogEntry> {
  const until = Date.now() + (options.hashWaitMs ?? 600_000);
  for (;;) {
    const found = (await fetchCatalog(client)).recordings.find((r) => r.name === entry.name);
    if (!found) throw new IntegrityError(`${entry.name} disappeared from the camera during the sync`);
    if (found.sha256 || found.open || found.size !== entry.size) return found;
    if (Date.now() > until) throw new IntegrityError(`the camera did not hash ${entry.name} within ${Math.round((options.hashWaitMs ?? 600_000) / 1000)} s; its hasher may be stuck: restart the camera`);
    options.signal?.throwIfAborted();
    await sleep(250);
  }
}

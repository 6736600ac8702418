import { createHash } from 'node:crypto';
import { OmvError } from '../../protocol/errors.js';
import type { V2Client } from '../v2/client.js';

/** Channel names and ioctls of omvd's device scripts (device-scripts/omvd). */
export const OMVD_CHANNELS = { catalog: 'omvd.cat', file: 'omvd.file', live: 'omvd.live', ctl: 'omvd.ctl' } as const;
export const CatalogIoctl = { SNAPSHOT: 1 } as const;
export const FileIoctl = { SELECT: 1 } as const;
export const CtlIoctl = { EXEC: 1 } as const;

/** Channel offsets are u32: no recording can be longer, whatever a device claims. */
export const MAX_RECORDING_BYTES = 0xffff_ffff;
const MAX_CATALOG_BYTES = 4 * 1024 * 1024;
const MAX_RECORDINGS = 100_000;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A FAT long file name: up to 255 characters, none of them a control character or one of "*\/:<>?| (FatFS ff.c). */
const CARD_NAME = /^[^\u0000-\u001f\u007f"*/:<>?\\|]{1,255}$/u;
const MAX_TEXT = 300;

export interface CatalogEntry {
  /** The name on the host: the camera's own if it is safe as a file name there, else a safe name made from it. */
  name: string;
  /** The name the camera knows the recording by (what SELECT and delete take). */
  cameraName: string;
  size: number;
  frames: number | null;
  open: boolean;
  sha256: string | null;
}

/** What the camera's recorder says about itself: what it is writing, and why its last recording ended early. */
export interface RecorderState {
  /** The file being written, null when recording only to the live ring; absent (null) when not recording. */
  file: string | null;
  /** The frame rate asked for. */
  fps: number | null;
}

export interface Catalog {
  recordings: CatalogEntry[];
  /**
   * Entries refused as unsafe or malformed, and files the camera holds but does not offer as recordings, each with
   * why (the rest are synced).
   */
  refused: { entry: unknown; reason: string }[];
  /** Null when the camera is not recording (or its scripts do not say). */
  recorder: RecorderState | null;
  /** Why the camera's last recording ended early, as it reports it (null if it did not, or cannot say). */
  recorderError: string | null;
  /** The recording the camera is hashing and how far it got; null when idle; absent when its scripts do not say. */
  hashing?: { name: string; done: number } | null;
}

export class CatalogError extends OmvError {
  constructor(message: string) {
    super('ECATALOG', message);
  }
}

/** The camera lacks omvd's channels: its scripts are not installed or not running. */
export class MissingChannelError extends OmvError {
  constructor(name: string) {
    super('ENOCHANNEL', `the camera has no "${name}" channel: omvd's device scripts are not running on it (install them with --install-scripts, or start main.py)`);
  }
}

/** A device-supplied recording name that is safe as one path component under the sync root. */
export function isSafeName(name: unknown): name is string {
  return typeof name === 'string' && SAFE_NAME.test(name) && !name.includes('..');
}

/** A name an SD card can hold as one file name (so not a path, and nothing a FAT card refuses). */
export function isCardName(name: unknown): name is string {
  return typeof name === 'string' && CARD_NAME.test(name) && name !== '.' && name !== '..';
}

/**
 * The host's name for a recording the camera calls `cameraName`: the same when it is safe, else its letters and
 * digits (accents dropped, anything else as '_'), its extension, and 8 hex digits of the SHA-256 of the camera's
 * name, so distinct names stay distinct and the same name always maps to the same file (`rec 1 é.bin` →
 * `rec_1_e-<hash>.bin`). The manifest keeps the camera's name.
 */
export function hostName(cameraName: string): string {
  if (isSafeName(cameraName as unknown)) return cameraName;
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(cameraName)?.[0] ?? '';
  const stem =
    cameraName
      .slice(0, cameraName.length - ext.length)
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/\.{2,}/g, '.')
      .replace(/^[._-]+/, '')
      .slice(0, 100) || 'recording';
  return `${stem}-${createHash('sha256').update(cameraName, 'utf8').digest('hex').slice(0, 8)}${ext}`;
}

const quoted = (v: unknown): string => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/** Checks one catalog entry from the device; returns why it is refused, or null. */
function refusal(e: Record<string, unknown>): string | null {
  if (!isCardName(e.name)) return `unsafe recording name ${quoted(e.name)} (not one file name: a path, a control character, or a character a FAT card cannot hold)`;
  if (!Number.isSafeInteger(e.size) || (e.size as number) < 0 || (e.size as number) > MAX_RECORDING_BYTES) return `size ${String(e.size).slice(0, 40)} of ${e.name} is not a byte count ≤ ${MAX_RECORDING_BYTES}`;
  if (e.frames !== null && e.frames !== undefined && (!Number.isSafeInteger(e.frames) || (e.frames as number) < 0)) return `frame count of ${e.name} is not a count`;
  if (typeof e.open !== 'boolean') return `"open" of ${e.name} is not true/false`;
  if (e.sha256 !== null && e.sha256 !== undefined && (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))) return `sha256 of ${e.name} is not 64 hex digits`;
  return null;
}

export function parseCatalog(bytes: Uint8Array): Catalog {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CatalogError(`the camera's catalog is not valid JSON (${(e as Error).message}); its scripts may be damaged: reinstall them`);
  }
  const list = (doc as { recordings?: unknown })?.recordings;
  if (!Array.isArray(list)) throw new CatalogError('the camera\'s catalog has no "recordings" list; its scripts may be another version: reinstall them');
  if (list.length > MAX_RECORDINGS) throw new CatalogError(`the camera's catalog lists ${list.length} recordings, more than omvd accepts (${MAX_RECORDINGS})`);
  const d = doc as Record<string, unknown>;
  const catalog: Catalog = { recordings: [], refused: [], recorder: recorderState(d.recording), recorderError: recorderError(d.recorder_error), ...('hashing' in d ? { hashing: hashing(d.hashing) } : {}) };
  const seen = new Set<string>();
  const hostNames = new Set<string>();
  for (const entry of list) {
    const e = (entry ?? {}) as Record<string, unknown>;
    const why = typeof entry === 'object' && entry !== null ? refusal(e) : 'not an object';
    const name = e.name as string;
    const host = why ? '' : hostName(name);
    if (why) catalog.refused.push({ entry, reason: why });
    else if (seen.has(name)) catalog.refused.push({ entry, reason: `${name} is listed twice` });
    else if (hostNames.has(host)) catalog.refused.push({ entry, reason: `${quoted(name)} would be ${host} on the host, which another recording already is: rename one of them on the camera` });
    else {
      seen.add(name);
      hostNames.add(host);
      catalog.recordings.push({ name: host, cameraName: name, size: e.size as number, frames: (e.frames as number | null) ?? null, open: e.open as boolean, sha256: (e.sha256 as string | null) ?? null });
    }
  }
  const skipped = Array.isArray(d.skipped) ? d.skipped : [];
  for (const s of skipped.slice(0, MAX_RECORDINGS)) {
    const x = (s ?? {}) as Record<string, unknown>;
    const reason = typeof x.reason === 'string' ? x.reason.slice(0, MAX_TEXT) : 'no reason given';
    catalog.refused.push({ entry: s, reason: `${quoted(x.name)} on the camera is not synced: ${reason}` });
  }
  if (Number.isSafeInteger(d.skipped_more) && (d.skipped_more as number) > 0) catalog.refused.push({ entry: null, reason: `${d.skipped_more} more files on the camera are not synced (not recordings)` });
  return catalog;
}

function recorderState(r: unknown): RecorderState | null {
  if (typeof r !== 'object' || r === null) return null;
  const x = r as { file?: unknown; config?: { fps?: unknown } };
  const fps = x.config?.fps;
  return { file: typeof x.file === 'string' ? x.file : null, fps: typeof fps === 'number' && fps > 0 && fps <= 1000 ? fps : null };
}

function recorderError(e: unknown): string | null {
  if (typeof e !== 'object' || e === null) return null;
  const x = e as { error?: unknown; file?: unknown; frames?: unknown; torn?: unknown };
  if (typeof x.error !== 'string') return null;
  const where = typeof x.file === 'string' ? ` (${quoted(x.file)} ends after ${Number.isSafeInteger(x.frames) ? x.frames : '?'} frames${x.torn === true ? ', its last frame incomplete' : ''})` : '';
  return `${x.error.slice(0, MAX_TEXT)}${where}`;
}

function hashing(h: unknown): Catalog['hashing'] {
  const x = (h ?? {}) as { name?: unknown; done?: unknown };
  return typeof x.name === 'string' && Number.isSafeInteger(x.done) ? { name: x.name, done: x.done as number } : null;
}

/** Reads a channel's whole content by offset, after checking its size against `limit`. */
export async function readWhole(client: V2Client, chan: number, limit: number): Promise<Uint8Array> {
  const size = await client.size(chan);
  if (size > limit) throw new CatalogError(`channel ${chan} reports ${size} bytes, over the ${limit}-byte limit for it`);
  const out = new Uint8Array(size);
  for (let at = 0; at < size; ) {
    const piece = await client.readSome(chan, at, size - at);
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

export function requireChannel(client: V2Client, name: string): number {
  const id = client.channelId(name);
  if (id === undefined) throw new MissingChannelError(name);
  return id;
}

export async function fetchCatalog(client: V2Client): Promise<Catalog> {
  const chan = requireChannel(client, OMVD_CHANNELS.catalog);
  await client.ioctl(chan, CatalogIoctl.SNAPSHOT);
  return parseCatalog(await readWhole(client, chan, MAX_CATALOG_BYTES));
}

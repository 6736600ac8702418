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

export interface CatalogEntry {
  name: string;
  size: number;
  frames: number | null;
  open: boolean;
  sha256: string | null;
}

export interface Catalog {
  recordings: CatalogEntry[];
  /** Entries refused as unsafe or malformed, with why (the rest are synced). */
  refused: { entry: unknown; reason: string }[];
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

/** Checks one catalog entry from the device; returns why it is refused, or null. */
function refusal(e: Record<string, unknown>): string | null {
  if (!isSafeName(e.name)) return `unsafe recording name ${JSON.stringify(e.name)?.slice(0, 80)} (only letters, digits, '.', '_', '-'; no path)`;
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
  const catalog: Catalog = { recordings: [], refused: [] };
  const seen = new Set<string>();
  for (const entry of list) {
    const e = (entry ?? {}) as Record<string, unknown>;
    const why = typeof entry === 'object' && entry !== null ? refusal(e) : 'not an object';
    if (why) catalog.refused.push({ entry, reason: why });
    else if (seen.has(e.name as string)) catalog.refused.push({ entry, reason: `${e.name} is listed twice` });
    else {
      seen.add(e.name as string);
      catalog.recordings.push({ name: e.name as string, size: e.size as number, frames: (e.frames as number | null) ?? null, open: e.open as boolean, sha256: (e.sha256 as string | null) ?? null });
    }
  }
  return catalog;
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

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../writers/atomic.js';

export interface ManifestEntry {
  size: number;
  sha256: string;
  frames: number | null;
  /** ISO time the verified file was published. */
  syncedAt: string;
  /** The camera's own name for it, where that was not safe as a host file name (`name` is then derived from it). */
  cameraName?: string;
}

export interface Manifest {
  camera: { id: string; firmware?: string; board?: string };
  recordings: Record<string, ManifestEntry>;
}

export const MANIFEST_FILE = 'manifest.json';

/** What is synced from one camera: `<root>/<camera-id>/manifest.json`, rewritten atomically after each recording. */
export async function readManifest(cameraDir: string, id: string): Promise<Manifest> {
  try {
    const m = JSON.parse(await readFile(join(cameraDir, MANIFEST_FILE), 'utf8')) as Manifest;
    if (m && typeof m.recordings === 'object' && m.recordings !== null) return m;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { camera: { id }, recordings: {} };
}

export async function writeManifest(cameraDir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(join(cameraDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import type { ExportFormat } from './export.js';

const MAX_MANIFEST_BYTES = 64 * 2 ** 20;
/** The file names `--out` may give per format, when it names the output itself. */
const FILE_EXTENSIONS: Partial<Record<ExportFormat, readonly string[]>> = { hdf5: ['.rtdc', '.h5', '.hdf5'], video: ['.avi'], records: ['.jsonl'] };

/** A recording to export, with where its outputs go and (from a sync manifest) the SHA-256 it was verified with. */
export interface ExportTarget {
  path: string;
  outDir?: string;
  sha256?: string;
}

/**
 * What `--out` means: a folder (created if missing), unless it ends in a file name of one of the formats
 * (`run.h5`, `run.rtdc`, `clip.avi`, `log.jsonl`): then it is that output itself, which takes one recording file
 * (not a folder, which may hold more tomorrow) and that one format. A trailing slash always means a folder.
 */
export function outTarget(out: string, input: { path: string; folder: boolean }, formats: readonly ExportFormat[]): { outDir: string } | { outFile: string } {
  const path = resolve(out);
  const ext = extname(out).toLowerCase();
  const owner = (Object.keys(FILE_EXTENSIONS) as ExportFormat[]).find((f) => FILE_EXTENSIONS[f]!.includes(ext));
  if (out.endsWith('/') || !owner) return { outDir: path };
  if (input.folder) throw new OmvError('EUSAGE', `--out ${out} names a file, which holds one recording, but ${input.path} is a folder of recordings: give a folder, e.g. --out datasets/`);
  if (formats.length !== 1 || formats[0] !== owner) throw new OmvError('EUSAGE', `--out ${out} names a ${owner} file, so it takes exactly --to ${owner} (not ${formats.join(', ')}): give a folder for several formats`);
  return { outFile: path };
}

/**
 * The verified recordings under a sync root (`<root>/<camera>/manifest.json`) with where their datasets go
 * (`<root>/<camera>/datasets/`, as sync puts them). Only what a manifest lists and is on disk is returned; names
 * that are not plain file names are refused, since a manifest is read from disk like any other input.
 */
export async function verifiedRecordings(root: string): Promise<ExportTarget[]> {
  const top = resolve(root);
  const entries = await readdir(top, { withFileTypes: true }).catch((err: unknown) => {
    throw new OmvError('ENOENT', `--missing ${root}: cannot read the folder (${(err as Error).message}); give the --root that sync or the daemon mirrors into`, { cause: err });
  });
  const targets: ExportTarget[] = [];
  let cameras = 0;
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(top, entry.name);
    const file = join(dir, 'manifest.json');
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size < 0) continue;
    if (size > MAX_MANIFEST_BYTES) throw new OmvError('EFORMAT', `${file} is ${size} bytes, more than a manifest can be (${MAX_MANIFEST_BYTES})`);
    let manifest: { recordings?: unknown };
    try {
      manifest = JSON.parse(await readFile(file, 'utf8')) as { recordings?: unknown };
    } catch (err) {
      throw new OmvError('EFORMAT', `${file} is not valid JSON (${(err as Error).message}); run omvd sync again to rewrite it`, { cause: err });
    }
    if (typeof manifest?.recordings !== 'object' || manifest.recordings === null) throw new OmvError('EFORMAT', `${file} has no "recordings" object`);
    cameras++;
    for (const [name, e] of Object.entries(manifest.recordings as Record<string, { sha256?: unknown }>).sort(([a], [b]) => a.localeCompare(b))) {
      if (basename(name) !== name || name.startsWith('.') || name.length > 255) throw new OmvError('EFORMAT', `${file} lists "${name}", which is not a plain file name`);
      const path = join(dir, name);
      if (!(await stat(path).then((s) => s.isFile(), () => false))) continue;
      targets.push({ path, outDir: join(dir, 'datasets'), ...(typeof e?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256) ? { sha256: e.sha256 } : {}) });
    }
  }
  if (cameras === 0) throw new OmvError('EEMPTY', `--missing ${root}: no camera folder with a manifest.json in it; give the --root that sync or the daemon mirrors into`);
  return targets;
}

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageIo, Pixformat } from '../../protocol/imageio/index.js';
import { writeManifest } from '../../host/sync/manifest.js';
import { omvd, python } from '../support/tools.js';
import { expectJsonStyle } from '../capture/json-style.js';

const W = 16;
const H = 12;
const recording = (frames: number, shade = 0): Uint8Array =>
  encodeImageIo(Array.from({ length: frames }, (_, i) => ({ elapsedMs: 40, width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(W * H).fill(shade + i) })));

interface Output {
  format: string;
  path: string;
  frames: number;
  status: 'exported' | 'complete';
}
interface Summary {
  source: string;
  frames: number;
  outputs: Output[];
}
interface Failed {
  source: string;
  format?: string;
  code: string;
  error: string;
}

function exportJson(args: string[]): { status: number; recordings: Summary[]; failed: Failed[]; doc: Record<string, unknown> } {
  const r = omvd(['export', ...args, '--json']);
  const doc = expectJsonStyle(r.stdout);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return { status: r.status, recordings: (doc.recordings ?? []) as Summary[], failed: (doc.failed ?? []) as Failed[], doc };
}
const mtimes = (paths: string[]): number[] => paths.map((p) => statSync(p).mtimeMs);

describe('omvd export of a folder', () => {
  it('reports the bad files, exports the others and exits 4', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-export-folder-'));
    writeFileSync(join(dir, 'a.bin'), recording(3));
    writeFileSync(join(dir, 'b_empty.bin'), new Uint8Array(0)); // what a card holds after a crash
    writeFileSync(join(dir, 'c_notes.bin'), 'not an ImageIO stream at all');
    writeFileSync(join(dir, 'd.bin'), recording(5));
    const r = exportJson([dir, '--to', 'hdf5']);
    expect(r.status).toBe(4);
    expect(r.doc.ok).toBe(false);
    expect(r.doc.error).toMatchObject({ code: 'EPARTIAL', message: expect.stringMatching(/2 of 4/) });
    expect(r.recordings.map((s) => [s.source, s.frames])).toEqual([[join(dir, 'a.bin'), 3], [join(dir, 'd.bin'), 5]]);
    expect(r.failed.map((f) => [f.source, f.code])).toEqual([[join(dir, 'b_empty.bin'), 'EFORMAT'], [join(dir, 'c_notes.bin'), 'EFORMAT']]);
    expect(existsSync(join(dir, 'd.rtdc'))).toBe(true);
  });

  it('a re-run exports only what is new; complete outputs are left alone; --force replaces them', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-export-rerun-'));
    writeFileSync(join(dir, 'a.bin'), recording(3));
    writeFileSync(join(dir, 'b.bin'), recording(4));
    const first = exportJson([dir, '--to', 'hdf5', 'blob', 'video', 'records']);
    expect(first.status).toBe(0);
    const outputs = first.recordings.flatMap((s) => s.outputs.map((o) => o.path));
    expect(outputs).toHaveLength(8);
    const before = mtimes(outputs);

    writeFileSync(join(dir, 'c.bin'), recording(2));
    const again = exportJson([dir, '--to', 'hdf5', 'blob', 'video', 'records']);
    expect(again.status).toBe(0);
    expect(again.doc.ok).toBe(true);
    const status = Object.fromEntries(again.recordings.map((s) => [s.source, [...new Set(s.outputs.map((o) => o.status))]]));
    expect(status).toEqual({ [join(dir, 'a.bin')]: ['complete'], [join(dir, 'b.bin')]: ['complete'], [join(dir, 'c.bin')]: ['exported'] });
    expect(mtimes(outputs)).toEqual(before);

    const forced = exportJson([dir, '--to', 'hdf5', '--force']);
    expect(forced.status).toBe(0);
    expect(forced.recordings.flatMap((s) => s.outputs.map((o) => o.status))).toEqual(['exported', 'exported', 'exported']);
  });

  it('an output that exists but was not exported from this recording is refused (EEXIST, exit 2) unless --force', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-export-foreign-'));
    writeFileSync(join(dir, 'a.bin'), recording(3));
    writeFileSync(join(dir, 'a.rtdc'), 'my own notes, not an export');
    const r = exportJson([join(dir, 'a.bin'), '--to', 'hdf5']);
    expect(r.status).toBe(2);
    expect(r.failed).toEqual([{ source: join(dir, 'a.bin'), format: 'hdf5', path: join(dir, 'a.rtdc'), code: 'EEXIST', error: expect.stringMatching(/a\.rtdc exists.*--force/) }]);
    // The same recording exported again under other frames (it changed) is not "complete" either.
    writeFileSync(join(dir, 'b.bin'), recording(3));
    expect(exportJson([join(dir, 'b.bin'), '--to', 'records']).status).toBe(0);
    writeFileSync(join(dir, 'b.bin'), recording(4, 50));
    expect(exportJson([join(dir, 'b.bin'), '--to', 'records']).failed[0]).toMatchObject({ code: 'EEXIST', error: expect.stringMatching(/another recording|different/) });
    const forced = exportJson([join(dir, 'a.bin'), '--to', 'hdf5', '--force']);
    expect(forced.status).toBe(0);
    expect(python(`import h5py, sys; print(h5py.File(sys.argv[1])['events/image'].shape[0])`, join(dir, 'a.rtdc')).trim()).toBe('3');
  });

  it('--missing ROOT exports every verified recording that lacks its datasets, and nothing else', { timeout: 120_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'omvd-export-missing-'));
    const cam = join(root, '0123456789ABCDEF01234567');
    mkdirSync(join(cam, '.partial'), { recursive: true });
    const recs: Record<string, Uint8Array> = { 'rec_0001.bin': recording(3), 'rec_0002.bin': recording(4) };
    for (const [name, bytes] of Object.entries(recs)) writeFileSync(join(cam, name), bytes);
    writeFileSync(join(cam, '.partial', 'rec_0003.bin'), recording(2)); // not verified yet
    writeFileSync(join(cam, 'stray.bin'), recording(2)); // not in the manifest
    const entry = (b: Uint8Array) => ({ size: b.length, sha256: createHash('sha256').update(b).digest('hex'), frames: null, syncedAt: new Date().toISOString() });
    return writeManifest(cam, { camera: { id: '0123456789ABCDEF01234567' }, recordings: Object.fromEntries(Object.entries(recs).map(([n, b]) => [n, entry(b)])) }).then(() => {
      const r = exportJson(['--missing', root, '--to', 'hdf5', 'blob']);
      expect(r.status, JSON.stringify(r.doc)).toBe(0);
      expect(r.recordings.map((s) => s.source)).toEqual([join(cam, 'rec_0001.bin'), join(cam, 'rec_0002.bin')]);
      expect(readdirSync(join(cam, 'datasets')).sort()).toEqual(['rec_0001', 'rec_0001.rtdc', 'rec_0002', 'rec_0002.rtdc']);
      const again = exportJson(['--missing', root, '--to', 'hdf5', 'blob']);
      expect(again.status).toBe(0);
      expect(again.recordings.flatMap((s) => s.outputs.map((o) => o.status))).toEqual(['complete', 'complete', 'complete', 'complete']);
      // A verified file that no longer matches its manifest hash is reported, not exported.
      writeFileSync(join(cam, 'rec_0002.bin'), recording(4, 9));
      const changed = exportJson(['--missing', root, '--to', 'records']);
      expect(changed.status).toBe(4);
      expect(changed.failed).toEqual([{ source: join(cam, 'rec_0002.bin'), code: 'EHASH', error: expect.stringMatching(/manifest/) }]);
      expect(exportJson(['--missing', root, join(cam, 'rec_0001.bin')]).status).toBe(2);
    });
  });
});

describe('omvd export usage errors', () => {
  it('are one JSON line with EUSAGE, exit 2', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-export-usage-'));
    writeFileSync(join(dir, 'a.bin'), recording(2));
    for (const args of [[join(dir, 'a.bin'), '--to', 'tiff'], [], [join(dir, 'a.bin'), '--missing', dir], ['--missing', dir, '--out', join(dir, 'x')]]) {
      const r = exportJson(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.doc.error).toMatchObject({ code: 'EUSAGE' });
    }
  });
});

describe('omvd export --out', () => {
  it('creates the folder for every format', { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-export-out-'));
    writeFileSync(join(dir, 'a.bin'), recording(3));
    for (const format of ['hdf5', 'video', 'records', 'blob', 'raw']) {
      const out = join(dir, 'new', format, 'datasets');
      const r = exportJson([join(dir, 'a.bin'), '--to', format, '--out', `${out}/`]);
      expect(r.status, `${format}: ${JSON.stringify(r.doc)}`).toBe(0);
      expect(r.recordings[0]!.outputs[0]!.path.startsWith(`${out}/`)).toBe(true);
    }
  });

  it('--out FILE.h5 with one recording and one format is that file; with a folder of recordings it is refused', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-export-outfile-'));
    writeFileSync(join(dir, 'a.bin'), recording(3));
    const file = join(dir, 'sub', 'run.h5');
    const r = exportJson([join(dir, 'a.bin'), '--to', 'hdf5', '--out', file]);
    expect(r.status).toBe(0);
    expect(r.recordings[0]!.outputs).toEqual([{ format: 'hdf5', path: file, frames: 3, status: 'exported' }]);
    expect(python(`import h5py, sys; print(h5py.File(sys.argv[1])['events/image'].shape[0])`, file).trim()).toBe('3');
    const many = exportJson([dir, '--to', 'hdf5', '--out', join(dir, 'all.h5')]);
    expect(many.status).toBe(2);
    expect((many.doc.error as { message: string }).message).toMatch(/all\.h5.*one recording/);
    const two = exportJson([join(dir, 'a.bin'), '--to', 'hdf5', 'video', '--out', join(dir, 'both.avi')]);
    expect(two.status).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { hostName, isCardName, isSafeName, parseCatalog } from '../../host/sync/catalog.js';

const json = (doc: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));
const rec = (name: unknown) => ({ name, size: 4096, frames: 10, open: false, sha256: 'a'.repeat(64) });

describe('catalog names a FAT card can hold but a host path should not', () => {
  it('are synced under a safe, deterministic host name; the camera\'s name is kept', () => {
    const names = ['rec 1 é.bin', 'Ünïcodé run.bin', '.hidden.bin', 'x'.repeat(200) + '.bin', 'ok..bin', 'a+b=c.bin'];
    const c = parseCatalog(json({ recordings: names.map(rec) }));
    expect(c.refused).toEqual([]);
    expect(c.recordings.map((r) => r.cameraName)).toEqual(names);
    for (const r of c.recordings) {
      expect(isSafeName(r.name)).toBe(true);
      expect(r.name).toBe(hostName(r.cameraName));
      expect(r.name.endsWith('.bin')).toBe(true);
    }
    expect(c.recordings[0]!.name).toMatch(/^rec_1_e-[0-9a-f]{8}\.bin$/);
    expect(c.recordings[1]!.name).toMatch(/^Unicode_run-[0-9a-f]{8}\.bin$/);
    expect(new Set(c.recordings.map((r) => r.name)).size).toBe(names.length);
    expect(parseCatalog(json({ recordings: [rec('rec_0001.bin')] })).recordings[0]).toMatchObject({ name: 'rec_0001.bin', cameraName: 'rec_0001.bin' });
  });

  it('two camera names that would share a host name: the second is refused with why', () => {
    const first = 'rec 1 é.bin';
    const c = parseCatalog(json({ recordings: [rec(first), rec(hostName(first))] }));
    expect(c.recordings.map((r) => r.cameraName)).toEqual([first]);
    expect(c.refused[0]!.reason).toMatch(/would be rec_1_e-[0-9a-f]{8}\.bin on the host, which another recording already is/);
  });

  it('paths, control characters and characters FAT refuses are still refused', () => {
    for (const bad of ['../x.bin', 'a/b.bin', 'a\\b.bin', 'nul\u0000.bin', 'tab\t.bin', 'what?.bin', 'c:d.bin', '..', '.', '', 'x'.repeat(256), 5]) {
      expect(isCardName(bad), String(bad)).toBe(false);
      expect(parseCatalog(json({ recordings: [rec(bad)] })).refused[0]!.reason).toMatch(/^unsafe recording name/);
    }
  });

  it('files the camera does not offer, and why its recorder stopped, come through bounded', () => {
    const c = parseCatalog(json({
      recordings: [],
      skipped: [{ name: 'notes.txt', reason: 'not a .bin file' }, { name: 'x', reason: 'y'.repeat(1000) }, 7],
      skipped_more: 12,
      recording: { file: 'rec_0003.bin', frames: 4, config: { fps: 7.5 } },
      recorder_error: { error: 'OSError: the storage is full', file: 'rec_0002.bin', frames: 9, torn: true },
      hashing: { name: 'rec_0002.bin', done: 65536, size: 100000 },
    }));
    expect(c.refused.map((r) => r.reason.slice(0, 60))).toEqual([
      '"notes.txt" on the camera is not synced: not a .bin file',
      `"x" on the camera is not synced: ${'y'.repeat(27)}`,
      'undefined on the camera is not synced: no reason given',
      '12 more files on the camera are not synced (not recordings)',
    ]);
    expect(c.refused[1]!.reason.length).toBeLessThan(400);
    expect(c.recorder).toEqual({ file: 'rec_0003.bin', fps: 7.5 });
    expect(c.recorderError).toBe('OSError: the storage is full ("rec_0002.bin" ends after 9 frames, its last frame incomplete)');
    expect(c.hashing).toEqual({ name: 'rec_0002.bin', done: 65536 });
    expect(parseCatalog(json({ recordings: [] })).hashing).toBeUndefined(); // scripts that do not report it
  });
});

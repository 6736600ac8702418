import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectJsonStyle } from '../capture/json-style.js';
import { badAttrs, h5Attrs, IMPORTANT_KEYS, SETUP_KEYS, SETUP_META } from '../export/rtdc-dclab.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, python, tool } from '../support/tools.js';

interface Cam {
  camera: string;
  frames: number;
  dropped: number;
}

const events = (file: string): { keys: string[]; index: number[]; frame: number[]; missing: number[] } =>
  JSON.parse(python(`import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({'keys': sorted(f['events'].keys()), 'index': f['events/index'][:].tolist(), 'frame': f['events/frame'][:].tolist(), 'missing': f['omvd/missing'][:].tolist()}))`, file));

describe('omvd capture into datasets dclab opens', () => {
  const work = mkdtempSync(join(tmpdir(), 'omvd-datasets-capture-'));
  const sims: SimProcess[] = [];

  beforeAll(async () => {
    for (const n of [1, 2]) sims.push(await startSim(['--pty', join(work, `cam${n}`), '--sd', join(work, `sd${n}`)]));
  });

  afterAll(async () => {
    for (const s of sims) await s.stop();
  });

  it('rtdc:DIR is one .rtdc per camera with complete metadata; hdf5:FILE keeps every camera, each group with its own', { timeout: 120_000 }, () => {
    const out = { rtdc: join(work, 'run-rtdc'), h5: join(work, 'run.h5') };
    const session = join(work, 'setup.json');
    // The setup comes from a session document and a flag together; the flag wins.
    writeFileSync(session, JSON.stringify({ cameras: sims.map((s) => ({ port: s.path, framesize: 'QQVGA', fps: 15 })), duration: '1.5s', to: [`rtdc:${out.rtdc}`, `hdf5:${out.h5}`], tags: { run: 7 }, meta: { 'setup:medium': 'water', 'user:operator': 'ana' }, hdf5_compression: 'none' }));
    const r = omvd(['capture', '--session', session, ...SETUP_META.flatMap((m) => ['--meta', m]), '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const cams = expectJsonStyle(r.stdout).cameras as Cam[];
    expect(readdirSync(out.rtdc).sort()).toEqual(sims.map((s) => `cam_${s.id}.rtdc`).sort());
    for (const c of cams) {
      const file = join(out.rtdc, `cam_${c.camera}.rtdc`);
      const h = h5Attrs(file);
      expect(badAttrs(h)).toEqual([]);
      expect(IMPORTANT_KEYS.filter((k) => !(k in h.attrs))).toEqual([]);
      expect(h.attrs['experiment:event count']![1]).toBe(c.frames);
      expect([h.attrs['imaging:roi size x']![1], h.attrs['imaging:roi size y']![1]]).toEqual([160, 120]);
      expect(h.attrs['imaging:frame rate']![1]).toBeGreaterThan(10);
      expect(h.attrs['setup:identifier']![1]).toContain(c.camera);
      expect(h.attrs['setup:medium']![1]).toBe('CellCarrier');
      expect([h.attrs['user:run'], h.attrs['user:operator']]).toEqual([['int64', 7], ['str', 'ana']]);
      const e = events(file);
      expect(e.keys).toEqual(['frame', 'image', 'index', 'time']); // only features dclab knows
      expect(e.index).toEqual(Array.from({ length: c.frames }, (_, i) => i + 1));
      expect([...e.frame, ...e.missing].sort((a, b) => a - b)).toEqual([...Array(c.frames + c.dropped).keys()]);
      expect(tool('h5dump', ['-H', '-p', '-d', '/events/image', file], 'hdf5-tools')).not.toMatch(/DEFLATE/);
    }
    const root = h5Attrs(out.h5);
    expect(root.keys).toEqual(sims.map((s) => `cam_${s.id}`).sort()); // no /events, no /logs: no camera went away
    expect(root.attrs['experiment:event count']).toBeUndefined(); // no measurement of its own: each group is one
    for (const c of cams) {
      const g = h5Attrs(out.h5, `cam_${c.camera}`);
      expect(badAttrs(g)).toEqual([]);
      expect(g.attrs['experiment:event count']![1]).toBe(c.frames);
      expect(g.attrs['setup:identifier']![1]).toContain(c.camera);
      expect(g.attrs['setup:flow rate']).toEqual(['float64', 0.04]);
      expect(g.keys).toEqual(['camera_time', 'frame', 'host_time', 'image', 'missing']);
    }
  });

  it('without the user\'s setup only the setup keys are missing; JPEG frames go in as gray, zstd when asked', { timeout: 120_000 }, () => {
    const dir = join(work, 'bare');
    const r = omvd(['capture', '--port', sims[0]!.path, '--duration', '1s', '--pixformat', 'JPEG', '--framesize', 'QQVGA', '--to', `rtdc:${dir}`, '--hdf5-compression', 'zstd', '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const file = join(dir, `cam_${sims[0]!.id}.rtdc`);
    const h = h5Attrs(file);
    expect(IMPORTANT_KEYS.filter((k) => !(k in h.attrs))).toEqual(SETUP_KEYS);
    expect(badAttrs(h)).toEqual([]);
    expect(tool('h5dump', ['-H', '-p', '-d', '/events/image', file], 'hdf5-tools')).toMatch(/32015/);
  });

  it('refuses a --meta key dclab does not know before opening a camera (exit 2)', () => {
    const r = omvd(['capture', '--port', join(work, 'no-camera'), '--duration', '1s', '--to', `rtdc:${join(work, 'x')}`, '--meta', 'setup:colour=red', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'ESESSIONFILE', message: expect.stringMatching(/--meta.*setup:colour.*not a key of dclab/) });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSessionSpec } from '../../host/capture/session-file.js';
import { omvd, python, tool } from '../support/tools.js';
import { expectJsonStyle } from './json-style.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

describe('omvd capture', () => {
  const sims: SimProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), 'omvd-capture-cli-'));

  beforeAll(async () => {
    for (const n of [1, 2]) sims.push(await startSim(['--pty', join(work, `cam${n}`), '--sd', join(work, `sd${n}`), '--fps', '30']));
  });

  afterAll(async () => {
    for (const s of sims) await s.stop();
  });

  it('runs a session file: two cameras into one HDF5 file and one roverd trace, no frame unaccounted for', () => {
    const session = join(work, 'run.json');
    writeFileSync(session, JSON.stringify({ cameras: sims.map((s) => ({ port: s.path, framesize: 'QQVGA', fps: 15, exposure_us: 10000, gain_db: 6 })), duration: '1.5s', to: [`hdf5:${join(work, 'run.h5')}`, `trace:${join(work, 'run')}`, `video:${join(work, 'video')}`], tags: { run: 'r7' } }));
    const r = omvd(['capture', '--session', session, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = expectJsonStyle(r.stdout) as unknown as { stoppedBy: string; cameras: { camera: string; frames: number }[] };
    expect(out.stoppedBy).toBe('duration');
    expect(out.cameras.map((c: { camera: string }) => c.camera).sort()).toEqual(sims.map((s) => s.id).sort());
    const h = JSON.parse(python(`import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({'run': f.attrs['user:run'], 'cams': {k: [f[k]['frame'].shape[0], f[k]['missing'].shape[0], int(f[k]['frame'][-1])] for k in f if k.startswith('cam_')}}))`, join(work, 'run.h5')));
    expect(h.run).toBe('r7');
    for (const c of out.cameras) {
      const stream = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', join(work, 'video', `cam_${c.camera}.avi`)], 'ffmpeg')).streams[0];
      expect(Number(stream.nb_read_frames)).toBe(c.frames);
    }
    for (const c of out.cameras) {
      const [n, missing, last] = h.cams[`cam_${c.camera}`];
      expect(n).toBe(c.frames);
      expect(n + missing).toBe(last + 1);
      // How many frames the emulated camera makes in 1.5 s depends on the host's load (15 fps idle, 6 with both
      // cores busy); that every one it made is kept or counted missing is the check above.
      expect(c.frames).toBeGreaterThanOrEqual(3);
    }
  });

  it('--record-on-camera starts a recording on the camera\'s own storage, which sync then copies', async () => {
    const r = omvd(['capture', '--port', sims[1]!.path, '--record-on-camera', '--duration', '1', '--framesize', 'QQVGA', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const started = expectJsonStyle(r.stdout).recordingOnCamera as { recording: string }[];
    expect(started[0]!.recording).toMatch(/^rec_\d{4}\.bin$/);
    const s = omvd(['sync', '--port', sims[1]!.path, '--root', join(work, 'data'), '--once', '--json', '--no-export']);
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).synced.map((x: { name: string }) => x.name)).toContain(started[0]!.recording);
  });

  it('a bad session file is refused with an error naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ cameras: [{ port: sims[0]!.path, fps: 0 }], duration: '1s', to: ['hdf5:x.h5'] }, /"cameras\[0\]\.fps" must be a number/],
      [{ cameras: [{ port: sims[0]!.path }], duration: 'soon', to: ['hdf5:x.h5'] }, /"duration" must be a duration/],
      [{ cameras: [{ port: sims[0]!.path }], duration: '1s', to: ['tiff:x'] }, /"to\[0\]" must be hdf5:PATH/],
      [{ cameras: [], to: ['hdf5:x.h5'] }, /"cameras" must be a non-empty list/],
      [{ cameras: [{ port: sims[0]!.path, colour: true }], to: ['hdf5:x.h5'] }, /"cameras\[0\]\.colour" is not a camera field/],
    ];
    for (const [i, [doc, message]] of cases.entries()) {
      const file = join(work, `bad${i}.json`);
      expect(() => parseSessionSpec(doc, file)).toThrow(message);
    }
    const file = join(work, 'bad0.json');
    writeFileSync(file, JSON.stringify(cases[0]![0]));
    const r = omvd(['capture', '--session', file, '--json']);
    expect(r.status).toBe(2); // usage
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe('ESESSIONFILE');
    expect(err.message).toMatch(cases[0]![1]);
    expect(err.message).toContain(file);
  });
});

import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordLog } from '../../host/writers/records.js';
import { omvd, python, tool } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { expectJsonStyle } from '../capture/json-style.js';

const h5Frames = (file: string): Record<string, number> =>
  JSON.parse(python(`import h5py, json, sys; f = h5py.File(sys.argv[1], 'r'); print(json.dumps({k: f[k]['frame'].shape[0] for k in f if k.startswith('cam_')}))`, file));
const traceFrames = (dir: string): number[] => readdirSync(dir).filter((d) => d.startsWith('cam_')).map((d) => statSync(join(dir, d, 'ts')).size / 8);

describe('omvd capture outputs', () => {
  const sims: SimProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), 'omvd-capture-out-'));

  beforeAll(async () => {
    for (const n of [1, 2]) sims.push(await startSim(['--pty', join(work, `cam${n}`), '--sd', join(work, `sd${n}`)]));
  });

  afterAll(async () => {
    for (const s of sims) await s.stop();
  });

  it('refuses to overwrite an earlier capture\'s outputs unless --force, and then replaces them', () => {
    const h5 = join(work, 'run.h5');
    const trace = join(work, 'run');
    const base = ['capture', '--port', sims[0]!.path, '--framesize', 'QQVGA', '--fps', '20', '--to', `hdf5:${h5}`, '--to', `trace:${trace}`, '--json'];
    const first = omvd([...base, '--duration', '2s']);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const frames = (expectJsonStyle(first.stdout).cameras as { frames: number }[])[0]!.frames;
    expect(h5Frames(h5)[`cam_${sims[0]!.id}`]).toBe(frames);

    const again = omvd([...base, '--duration', '0.5s']);
    expect(again.status).toBe(2);
    const err = expectJsonStyle(again.stdout).error as { code: string; message: string };
    expect(err.code).toBe('EEXIST');
    expect(err.message).toContain(h5);
    expect(err.message).toContain(trace);
    expect(err.message).toMatch(/--force/);
    expect(h5Frames(h5)[`cam_${sims[0]!.id}`]).toBe(frames); // untouched
    expect(traceFrames(trace)).toEqual([frames]);

    const forced = omvd([...base, '--duration', '0.5s', '--force']);
    expect(forced.status, forced.stdout).toBe(0);
    const n = (expectJsonStyle(forced.stdout).cameras as { frames: number }[])[0]!.frames;
    expect(n).toBeLessThan(frames);
    expect(h5Frames(h5)[`cam_${sims[0]!.id}`]).toBe(n);
    expect(traceFrames(trace)).toEqual([n]);
    expect(existsSync(`${h5}.part`) || existsSync(`${trace}.part`)).toBe(false);
  }, 60_000);

  it('refuses an output a killed capture left as .part (its frames are kept), unless --force', () => {
    const rec = join(work, 'left.jsonl');
    writeFileSync(`${rec}.part`, '{"writer": "omvd capture"}\n');
    const r = omvd(['capture', '--port', sims[0]!.path, '--duration', '0.5s', '--to', `records:${rec}`, '--json']);
    expect(r.status).toBe(2);
    expect((expectJsonStyle(r.stdout).error as { message: string }).message).toMatch(/left\.jsonl\.part.*--force/);
    expect(existsSync(`${rec}.part`)).toBe(true);
  });

  it('--camera ID picks among the named ports', () => {
    const h5 = join(work, 'picked.h5');
    const r = omvd(['capture', '--port', sims[0]!.path, '--port', sims[1]!.path, '--camera', sims[1]!.id, '--duration', '0.5s', '--framesize', 'QQQVGA', '--to', `hdf5:${h5}`, '--json']);
    expect(r.status, r.stdout).toBe(0);
    const out = expectJsonStyle(r.stdout);
    expect((out.cameras as { camera: string; port: string }[]).map((c) => [c.camera, c.port])).toEqual([[sims[1]!.id, sims[1]!.path]]);
    expect(Object.keys(h5Frames(h5))).toEqual([`cam_${sims[1]!.id}`]);
  });

  it('a YAML session with numeric tags: the tags reach HDF5 and the record log header; each AVI has its own camera\'s rate', async () => {
    const session = join(work, 'tags.yaml');
    const out = { h5: join(work, 'tags.h5'), log: join(work, 'tags.jsonl'), video: join(work, 'tags-video') };
    writeFileSync(
      session,
      [
        'cameras:',
        `  - port: ${sims[0]!.path}`,
        '    framesize: QQVGA',
        '    fps: 10',
        `  - port: ${sims[1]!.path}`,
        '    framesize: QQVGA',
        '    fps: 25',
        'duration: 2s',
        `to: [hdf5:${out.h5}, records:${out.log}, video:${out.video}]`,
        'tags:',
        '  run: 7',
        '  site: lab',
        '',
      ].join('\n'),
    );
    const r = omvd(['capture', '--session', session, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const summary = expectJsonStyle(r.stdout);
    expect(summary.tags).toEqual({ run: 7, site: 'lab' });
    const h = JSON.parse(python(`import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
t = {k: f[k]['camera_time'][:].tolist() for k in f if k.startswith('cam_')}
print(json.dumps({'run': f.attrs['user:run'].item(), 'site': f.attrs['user:site'], 'rate': {k: (len(v) - 1) / (v[-1] - v[0]) for k, v in t.items()}, 'n': {k: len(v) for k, v in t.items()}}))`, out.h5));
    expect([h.run, h.site]).toEqual([7, 'lab']);
    const header = await RecordLog.load(out.log);
    expect(header.tags).toEqual({ run: 7, site: 'lab' });
    for (const s of sims) {
      const stream = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', join(out.video, `cam_${s.id}.avi`)], 'ffmpeg')).streams[0];
      const [num, den] = (stream.avg_frame_rate as string).split('/').map(Number) as [number, number];
      expect(Number(stream.nb_read_frames)).toBe(h.n[`cam_${s.id}`]);
      // The AVI lasts as long as the capture: its rate is the frames over the camera's own time span.
      expect(num / den).toBeCloseTo(h.rate[`cam_${s.id}`], 1);
    }
  }, 60_000);
});

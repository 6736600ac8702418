import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordLog } from '../../host/writers/records.js';
import { omvd, python, spawnOmvd, tool, waitFor } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { expectJsonStyle } from '../capture/json-style.js';
import { mountTmpfs } from '../capture/mounts.js';

interface Loss {
  at: number;
  code: string;
  error: string;
  lastFrame: number | null;
  missingAfter: number[];
}
interface Cam {
  camera: string;
  frames: number;
  dropped: number;
  lost?: Loss;
}

const work = mkdtempSync(join(tmpdir(), 'omvd-capture-lost-'));
const sims: SimProcess[] = [];
const sim = async (name: string): Promise<SimProcess> => {
  const s = await startSim(['--pty', join(work, name), '--sd', join(work, `${name}-sd`)]);
  sims.push(s);
  return s;
};
afterAll(async () => {
  for (const s of sims) await s.stop('SIGKILL');
});

/** Frames the capture's trace (still `<dir>.part`) holds for the camera that has the fewest, of `cameras`. */
const partFrames = (dir: string, cameras = 1): number => {
  const part = `${dir}.part`;
  const sensors = existsSync(part) ? readdirSync(part).filter((d) => d.startsWith('cam_') && existsSync(join(part, d, 'ts'))) : [];
  return sensors.length < cameras ? 0 : Math.min(...sensors.map((d) => statSync(join(part, d, 'ts')).size / 8));
};
const h5 = (file: string): { frames: Record<string, number>; log: string } =>
  JSON.parse(python(`import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({'frames': {k: f[k]['frame'].shape[0] for k in f if k.startswith('cam_')}, 'log': '\\n'.join(l.decode().rstrip() for l in f['logs/omvd-capture'][:]) if 'logs/omvd-capture' in f else ''}))`, file));
const parts = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.part'));

describe('a capture whose camera goes away', () => {
  it('closes every output with the frames it received, records when and why, and exits 3', { timeout: 90_000 }, async () => {
    const cam = await sim('lone');
    const out = { h5: join(work, 'k.h5'), trace: join(work, 'k'), video: join(work, 'kv'), log: join(work, 'k.jsonl') };
    const capture = spawnOmvd(['capture', '--port', cam.path, '--duration', '60s', '--framesize', 'QQVGA', '--to', `hdf5:${out.h5}`, '--to', `trace:${out.trace}`, '--to', `video:${out.video}`, '--to', `records:${out.log}`, '--json']);
    await waitFor(() => partFrames(out.trace) >= 20, 'twenty frames captured');
    const killedAt = Date.now() / 1000;
    await cam.stop('SIGKILL');
    expect(await capture.exited, capture.stderr()).toBe(3);
    const summary = expectJsonStyle(capture.stdout());
    expect(summary.ok).toBe(false);
    expect((summary.error as { code: string }).code).toMatch(/^(ECLOSED|ETIMEDOUT)$/);
    const [c] = summary.cameras as Cam[];
    expect(c!.lost).toMatchObject({ code: expect.stringMatching(/^(ECLOSED|ETIMEDOUT)$/), error: expect.stringMatching(/\S/), lastFrame: expect.any(Number) });
    expect(c!.lost!.at).toBeGreaterThan(killedAt - 1);
    expect(c!.frames).toBeGreaterThanOrEqual(20);

    const file = h5(out.h5);
    expect(file.frames[`cam_${cam.id}`]).toBe(c!.frames);
    expect(file.log).toMatch(new RegExp(`${cam.id}.*(went away|lost)`));
    const sensor = join(out.trace, `cam_${cam.id}`);
    expect(statSync(join(sensor, 'ts')).size / 8).toBe(c!.frames);
    expect(JSON.parse(readFileSync(join(sensor, 'missing.json'), 'utf8')).lost).toMatchObject({ code: c!.lost!.code, lastFrame: c!.lost!.lastFrame });
    const stream = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', join(out.video, `cam_${cam.id}.avi`)], 'ffmpeg')).streams[0];
    expect(Number(stream.nb_read_frames)).toBe(c!.frames);
    const records = await RecordLog.loadAll(out.log);
    expect(records.filter((r) => r.data !== undefined)).toHaveLength(c!.frames);
    expect(records.at(-1)).toMatchObject({ camera: cam.id, lost: true, code: c!.lost!.code });
    expect(parts(work)).toEqual([]);
  });

  it('the other cameras capture to the end; the summary says which one went away; exit 4', { timeout: 90_000 }, async () => {
    const [a, b] = [await sim('a'), await sim('b')];
    const file = join(work, 'two.h5');
    const trace = join(work, 'two');
    const capture = spawnOmvd(['capture', '--port', a.path, '--port', b.path, '--duration', '5s', '--fps', '20', '--framesize', 'QQVGA', '--to', `hdf5:${file}`, '--to', `trace:${trace}`, '--json']);
    await waitFor(() => partFrames(trace, 2) >= 10, 'ten frames from each camera');
    await b.stop('SIGKILL');
    expect(await capture.exited, capture.stderr()).toBe(4);
    const summary = expectJsonStyle(capture.stdout());
    expect(summary).toMatchObject({ ok: false, stoppedBy: 'duration', error: { code: 'EPARTIAL' } });
    const cams = summary.cameras as Cam[];
    const [kept, lost] = [cams.find((c) => c.camera === a.id)!, cams.find((c) => c.camera === b.id)!];
    expect(kept.lost).toBeUndefined();
    expect(kept.frames + kept.dropped).toBeGreaterThan(5 * 20 * 0.8); // captured to the end
    expect(lost.lost).toBeDefined();
    expect(kept.frames + kept.dropped).toBeGreaterThan(lost.lost!.lastFrame! + 1); // it went on after the other was gone
    expect(h5(file).frames).toEqual({ [`cam_${a.id}`]: kept.frames, [`cam_${b.id}`]: lost.frames });
    expect(parts(work)).toEqual([]);
  });
});

describe('a capture stopped early', () => {
  it('Ctrl-C before the duration: complete files, stoppedBy signal, exit 130', { timeout: 60_000 }, async () => {
    const cam = await sim('int-cam');
    const file = join(work, 'int.h5');
    const trace = join(work, 'int');
    const capture = spawnOmvd(['capture', '--port', cam.path, '--duration', '1h', '--framesize', 'QQVGA', '--to', `hdf5:${file}`, '--to', `trace:${trace}`, '--json']);
    await waitFor(() => partFrames(trace) >= 10, 'ten frames captured');
    expect(await capture.stop('SIGINT')).toBe(130);
    const summary = expectJsonStyle(capture.stdout());
    expect(summary).toMatchObject({ ok: false, stoppedBy: 'signal', error: { code: 'EINTERRUPTED' } });
    const frames = (summary.cameras as Cam[])[0]!.frames;
    expect(h5(file).frames[`cam_${cam.id}`]).toBe(frames);
    expect(statSync(join(trace, `cam_${cam.id}`, 'ts')).size / 8).toBe(frames);
  });

  it('a disk filling up: the capture stops while the outputs can still be closed, and exits 5', { timeout: 90_000 }, async () => {
    const cam = await sim('full-cam');
    const disk = join(work, 'small-disk');
    const unmount = mountTmpfs(disk, { sizeKiB: 12 * 1024 });
    try {
      const out = { h5: join(disk, 'f.h5'), trace: join(disk, 'f'), log: join(disk, 'f.jsonl') };
      const r = omvd(['capture', '--port', cam.path, '--duration', '60s', '--framesize', 'QQVGA', '--to', `hdf5:${out.h5}`, '--to', `trace:${out.trace}`, '--to', `records:${out.log}`, '--json']);
      expect(r.status, r.stdout + r.stderr).toBe(5);
      const summary = expectJsonStyle(r.stdout);
      const err = summary.error as { code: string; message: string };
      expect(err.code).toBe('ENOSPC');
      expect(err.message).toContain(disk);
      expect(err.message).toMatch(/full.*MB free/);
      const frames = (summary.cameras as Cam[])[0]!.frames;
      expect(frames).toBeGreaterThan(10);
      expect(h5(out.h5).frames[`cam_${cam.id}`]).toBe(frames);
      expect(statSync(join(out.trace, `cam_${cam.id}`, 'ts')).size / 8).toBe(frames);
      expect((await RecordLog.loadAll(out.log)).filter((x) => x.data !== undefined)).toHaveLength(frames);
      expect(parts(disk)).toEqual([]);
    } finally {
      unmount();
    }
  });

  it('a read-only folder is refused before any camera is opened, with what to do (exit 5)', () => {
    const ro = join(work, 'ro');
    const unmount = mountTmpfs(ro, { sizeKiB: 1024, readOnly: true });
    try {
      const r = omvd(['capture', '--port', join(work, 'no-camera'), '--duration', '1s', '--to', `trace:${join(ro, 't')}`, '--json']);
      expect(r.status, r.stdout + r.stderr).toBe(5);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const err = expectJsonStyle(r.stdout).error as { code: string; message: string };
      expect(err.code).toBe('EROFS');
      expect(err.message).toContain(ro);
      expect(err.message).toMatch(/read-only/);
    } finally {
      unmount();
    }
  });
});

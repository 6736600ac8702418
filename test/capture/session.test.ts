import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFailedError, runSession } from '../../host/capture/session.js';
import type { CaptureSink } from '../../host/capture/sinks.js';
import { OmvError } from '../../protocol/errors.js';
import { hdf5CaptureSink, traceCaptureSink } from '../../host/capture/sinks.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { readFrameMark } from '../../host/sim/scene.js';
import { openTrace } from '../../host/writers/roverd/reader.js';
import { python } from '../support/tools.js';

describe('capture session, two virtual cameras', () => {
  const cams: VirtualCamera[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'omvd-capture-'));

  beforeAll(async () => {
    // QVGA gray at 20 fps is 1.5 MB/s: more than an H7's full-speed USB carries, so high-speed cameras.
    for (let i = 0; i < 2; i++) cams.push(await VirtualCamera.start({ sdDir: mkdtempSync(join(tmpdir(), `omvd-cap-sd${i}-`)), fps: 40, board: 'RT1062' }));
  });

  afterAll(async () => {
    for (const c of cams) await c.stop();
  });

  it('records both into one HDF5 file and one roverd trace, every frame in order and accounted for', async () => {
    const h5 = join(dir, 'run.h5');
    const trace = join(dir, 'run');
    const marks = new Map<string, number[]>();
    const summary = await runSession({
      cameras: cams.map((c, i) => ({ link: c.link, pixformat: 'GRAYSCALE', framesize: i === 0 ? 'QQVGA' : 'QVGA', fps: 20 })),
      sinks: [await hdf5CaptureSink(h5, { run: 'r42' }), await traceCaptureSink(trace)],
      frames: 20, // a count, not a duration: a loaded host receives fewer frames per second, never fewer frames
      onFrame: (cam, f) => void marks.set(cam, [...(marks.get(cam) ?? []), readFrameMark(f.data, f.width)]),
    });
    expect(summary.map((s) => s.camera).sort()).toEqual(cams.map((c) => c.uid).sort());
    for (const s of summary) {
      expect(s.frames).toBe(20);
      const got = marks.get(s.camera)!;
      expect(got).toEqual([...got].sort((a, b) => a - b)); // the scene's own frame numbers only go up
    }
    const h = JSON.parse(python(`import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
print(json.dumps({k: {'n': f[k]['image'].shape[0], 'shape': list(f[k]['image'].shape[1:]), 'seq': f[k]['frame'][:].tolist(), 'missing': f[k]['missing'][:].tolist(), 'mono': bool((f[k]['host_time'][1:] >= f[k]['host_time'][:-1]).all())} for k in f if k.startswith('cam_')}))`, h5));
    for (const s of summary) {
      const g = h[`cam_${s.camera}`];
      expect(g.n).toBe(s.frames);
      expect(g.mono).toBe(true);
      expect([...g.seq, ...g.missing].sort((a: number, b: number) => a - b)).toEqual([...Array(g.seq.length + g.missing.length).keys()]);
      expect(g.missing.length).toBe(s.dropped);
    }
    expect(h[`cam_${cams[0]!.uid}`].shape).toEqual([120, 160]);
    expect(h[`cam_${cams[1]!.uid}`].shape).toEqual([240, 320]);
    const t = await openTrace(trace);
    for (const s of summary) expect(await (await t.sensor(`cam_${s.camera}`)).length()).toBe(s.frames);
  }, 60_000);
});

describe('capture session, host slowed down on purpose', () => {
  it('counts and records the frames the ring overwrote, never loses track of one', async () => {
    const cam = await VirtualCamera.start({ sdDir: mkdtempSync(join(tmpdir(), 'omvd-cap-slow-')), fps: 60 });
    try {
      const seen: number[] = [];
      const missed: number[] = [];
      const [s] = await runSession({
        cameras: [{ link: cam.link, framesize: 'QQVGA', fps: 60, liveSlots: 3 }],
        sinks: [],
        durationS: 1.5,
        onFrame: async (_c, f) => {
          seen.push(f.seq);
          missed.push(...f.missedBefore);
          await new Promise((r) => setTimeout(r, 60)); // a consumer far slower than the camera
        },
      });
      expect(s!.dropped).toBeGreaterThan(0);
      expect(s!.dropped).toBe(missed.length);
      expect([...seen, ...missed].sort((a, b) => a - b)).toEqual([...Array(seen.length + missed.length).keys()]);
    } finally {
      await cam.stop();
    }
  }, 30_000);
});

describe('capture session, a sink that fails part-way (say, its disk)', () => {
  it('stops every camera, publishes the other outputs with the frames they got, and throws the failure with the summaries', async () => {
    const cam = await VirtualCamera.start({ sdDir: mkdtempSync(join(tmpdir(), 'omvd-cap-fail-')), fps: 30 });
    const dir = mkdtempSync(join(tmpdir(), 'omvd-cap-fail-out-'));
    try {
      let seen = 0;
      const failing: CaptureSink = {
        add: async () => {
          if (++seen === 10) throw new OmvError('ENOSPC', 'no room left (a test sink)');
        },
        finish: async () => {},
        abort: async () => {},
      };
      const run = runSession({ cameras: [{ link: cam.link, framesize: 'QQVGA', fps: 30 }], sinks: [await traceCaptureSink(join(dir, 't')), failing], durationS: 30 });
      const err = await run.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureFailedError);
      expect((err as CaptureFailedError).code).toBe('ENOSPC');
      const [summary] = (err as CaptureFailedError).cameras;
      expect(summary!.frames).toBe(10);
      const t = await openTrace(join(dir, 't'));
      expect(await (await t.sensor(`cam_${cam.uid}`)).length()).toBe(10);
      expect(readdirSync(dir)).toEqual(['t']);
    } finally {
      await cam.stop();
    }
  }, 30_000);
});

describe('captureFrames: a session as an async iterable', () => {
  it('yields frames in order and stops the camera when the loop is left', async () => {
    const { captureFrames } = await import('../../host/capture/session.js');
    const cam = await VirtualCamera.start({ sdDir: mkdtempSync(join(tmpdir(), 'omvd-cap-iter-')), fps: 30 });
    try {
      const seqs: number[] = [];
      for await (const { camera, frame } of captureFrames({ cameras: [{ link: cam.link, framesize: 'QQVGA', fps: 30 }], durationS: 60 })) {
        expect(camera).toBe(cam.uid);
        seqs.push(frame.seq, ...frame.missedBefore);
        if (seqs.length >= 10) break;
      }
      expect(seqs.sort((a, b) => a - b)).toEqual([...Array(seqs.length).keys()]);
    } finally {
      await cam.stop();
    }
  }, 30_000);
});

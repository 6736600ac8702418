import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toJpeg } from '../pixels/index.js';
import { ensureDir } from '../writers/disk.js';
import { RotatingMjpegWriter } from '../writers/video/video-writer.js';
import type { LiveFrame } from './live.js';
import { OrderedPipeline } from './ordered.js';
import { allSteps, onDisk, ELSEWHERE, group, PIPELINE_DEPTH, publishDir, type CaptureSink } from './sink.js';

interface Camera {
  writer: RotatingMjpegWriter;
  frames: number;
  lastMs: number;
  /** Camera ms from the first frame to the last, unwrapped (ticks_ms wraps at 2^32). */
  spanMs: number;
}

/**
 * One MJPEG AVI per camera, `<dir>/cam_<id>.avi` (rotating before 1 GiB), built in `<dir>.part/` and renamed into
 * place when the session ends. AVI has one frame rate: each file states the rate the camera's frames really came
 * at (frames over the camera's own time span, dropped frames included), so the video lasts as long as the capture;
 * `defaultFps` is used only until a camera's second frame.
 */
export async function videoCaptureSink(dir: string, defaultFps = 30): Promise<CaptureSink> {
  const part = `${dir}.part`;
  await rm(part, { recursive: true, force: true });
  await ensureDir(part, ELSEWHERE);
  const cameras = new Map<string, Camera>();
  const pipe = new OrderedPipeline<{ camera: string; frame: LiveFrame }, { camera: string; frame: LiveFrame; jpeg: Uint8Array }>(
    PIPELINE_DEPTH,
    async ({ camera, frame }) => ({ camera, frame, jpeg: await toJpeg({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }) }),
    async ({ camera, frame, jpeg }) => {
      let c = cameras.get(camera);
      if (!c) {
        c = { writer: new RotatingMjpegWriter(join(part, `${group(camera)}.avi`), { width: frame.width, height: frame.height, fps: defaultFps }), frames: 0, lastMs: frame.cameraMs, spanMs: 0 };
        cameras.set(camera, c);
      }
      c.spanMs += (frame.cameraMs - c.lastMs) >>> 0;
      c.lastMs = frame.cameraMs;
      c.frames++;
      if (c.frames > 1 && c.spanMs > 0) c.writer.setFps(((c.frames - 1) * 1000) / c.spanMs);
      await c.writer.append(jpeg);
    },
  );
  return {
    add: (camera, frame) => onDisk(dirname(dir), `writing ${dir}`, () => pipe.add({ camera, frame })),
    finish: () =>
      allSteps(dirname(dir), `writing ${dir}`, [
        () => pipe.drain(),
        async () => {
          for (const { writer } of cameras.values()) await writer.close();
        },
        () => publishDir(part, dir),
      ]),
    abort: () => rm(part, { recursive: true, force: true }),
  };
}

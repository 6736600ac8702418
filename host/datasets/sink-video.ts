import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toJpeg } from '../pixels/index.js';
import { ensureDir } from '../writers/disk.js';
import { RotatingMjpegWriter, rotatedPath } from '../writers/video/video-writer.js';
import { CameraClock } from './camera-clock.js';
import type { DatasetFrame, DatasetInfo, DatasetSink } from './frame.js';
import { OrderedPipeline } from './ordered.js';
import { SOURCE_HASH } from './provenance.js';
import { allSteps, group, onDisk, PIPELINE_DEPTH, publishDir } from './sink.js';
import { FrameSizes } from './sizes.js';

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** Removes the parts of a rotated video (`x.avi`, `x.001.avi`, …, and their `.part`) from `from` on. */
async function removeParts(path: string, from: number): Promise<void> {
  for (let i = from; (await exists(rotatedPath(path, i))) || (await exists(`${rotatedPath(path, i)}.part`)); i++) {
    await rm(rotatedPath(path, i), { force: true });
    await rm(`${rotatedPath(path, i)}.part`, { force: true });
  }
}

/**
 * MJPEG AVIs, one per camera: camera JPEGs muxed untouched, other formats encoded. AVI has one frame rate, so each
 * file states the rate its camera's frames really came at (frames over the camera's own time span), and the video
 * lasts as long as the frames did; the exact times are in the other formats. An export's recording SHA-256 is the
 * INFO ISRC tag. With one camera (an export) the output is the file itself: written under a hidden name, and its
 * parts (over 1 GiB a video rotates into `x.001.avi`, …) renamed into place at the end, the first last; with several,
 * `<dir>/cam_<id>.avi`, built in `<dir>.part/`.
 */
export async function videoSink(output: string, info: DatasetInfo): Promise<DatasetSink> {
  const many = info.cameras === 'many';
  const part = many ? `${output}.part` : join(dirname(output), `.${basename(output).replace(/\.avi$/i, '')}.tmp.avi`);
  await onDisk(dirname(output), `creating ${part}`, info.elsewhere, async () => {
    if (many) {
      await rm(part, { recursive: true, force: true });
      await ensureDir(part, info.elsewhere);
    } else await removeParts(part, 0);
  });
  const tags = { ISFT: 'omvd', ...(info.source ? { [SOURCE_HASH.avi]: info.source.sha256 } : {}) };
  const cameras = new Map<string, { writer: RotatingMjpegWriter; clock: CameraClock }>();
  const sizes = new FrameSizes();
  const pipe = new OrderedPipeline<{ camera: string; frame: DatasetFrame }, { camera: string; frame: DatasetFrame; jpeg: Uint8Array }>(
    PIPELINE_DEPTH,
    async ({ camera, frame }) => ({ camera, frame, jpeg: await toJpeg(frame) }),
    async ({ camera, frame, jpeg }) => {
      let c = cameras.get(camera);
      if (!c) {
        const path = many ? join(part, `${group(camera)}.avi`) : part;
        c = { writer: new RotatingMjpegWriter(path, { width: frame.width, height: frame.height, fps: info.nominalFps ?? 30, info: tags }), clock: new CameraClock() };
        cameras.set(camera, c);
      }
      c.clock.tick(frame);
      const fps = c.clock.receivedFps;
      if (fps !== undefined) c.writer.setFps(fps);
      await c.writer.append(jpeg);
    },
  );
  const on = <T>(step: () => Promise<T>): Promise<T> => onDisk(dirname(output), `writing ${output}`, info.elsewhere, step);
  return {
    async add(camera, frame) {
      const skip = sizes.check(camera, frame);
      if (skip) return skip;
      await on(() => pipe.add({ camera, frame }));
    },
    finish: () =>
      allSteps(dirname(output), `writing ${output}`, info.elsewhere, [
        () => pipe.drain(),
        async () => {
          for (const { writer } of cameras.values()) {
            const { files } = await writer.close();
            if (many) continue;
            await removeParts(output, files.length); // parts of a longer video this one replaces
            for (let i = files.length - 1; i >= 0; i--) await rename(files[i]!, rotatedPath(output, i));
          }
        },
        ...(many ? [() => publishDir(part, output, info.elsewhere)] : []),
      ]),
    async abort() {
      await pipe.stop();
      for (const { writer } of cameras.values()) await writer.abandon();
      if (many) await rm(part, { recursive: true, force: true });
      else await removeParts(part, 0);
    },
  };
}

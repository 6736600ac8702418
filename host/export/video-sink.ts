import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toJpeg } from '../pixels/index.js';
import { RotatingMjpegWriter, rotatedPath } from '../writers/video/video-writer.js';
import { SOURCE_HASH } from './provenance.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** Removes the parts of a rotated video (`x.avi`, `x.001.avi`, …, and their `.part`) from `from` on. */
async function removeParts(path: string, from: number): Promise<void> {
  for (let i = from; (await exists(rotatedPath(path, i))) || (await exists(`${rotatedPath(path, i)}.part`)); i++) {
    await rm(rotatedPath(path, i), { force: true });
    await rm(`${rotatedPath(path, i)}.part`, { force: true });
  }
}

/**
 * MJPEG AVI: camera JPEGs are muxed untouched, other formats encoded. AVI has one frame rate, so it is the
 * recording's mean (every frame kept, the right length overall); the exact times are in the other formats. The
 * recording's SHA-256 is the AVI's INFO ISRC tag. A video over 1 GiB rotates into several files, so all are written
 * under a hidden temporary name and renamed into place at the end, the first file last: `x.avi` appears only once
 * every part is there.
 */
export async function videoSink(output: string, info: RecordingInfo): Promise<Sink> {
  const tmp = join(dirname(output), `.${basename(output).replace(/\.avi$/i, '')}.tmp.avi`);
  await removeParts(tmp, 0);
  const writer = new RotatingMjpegWriter(tmp, { width: info.width, height: info.height, fps: info.fps > 0 ? info.fps : 1, info: { ISFT: 'omvd', [SOURCE_HASH.avi]: info.sha256 } });
  return {
    output,
    async add({ entry, data }: ExportFrame) {
      if (entry.width !== info.width || entry.height !== info.height) return `${entry.width}×${entry.height} differs from the video's ${info.width}×${info.height}`;
      await writer.append(await toJpeg({ ...entry, data }));
      return undefined;
    },
    finish: async () => {
      const { files } = await writer.close();
      await removeParts(output, files.length); // parts of a longer video this one replaces
      for (let i = files.length - 1; i >= 0; i--) await rename(files[i]!, rotatedPath(output, i));
    },
    abort: async () => {
      await writer.abandon();
      await removeParts(tmp, 0);
    },
  };
}

import { toJpeg } from '../pixels/index.js';
import { RotatingMjpegWriter } from '../writers/video/video-writer.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

/**
 * MJPEG AVI: camera JPEGs are muxed untouched, other formats encoded. AVI has one frame rate, so it is the
 * recording's mean (every frame kept, the right length overall); the exact times are in the other formats.
 */
export async function videoSink(output: string, info: RecordingInfo): Promise<Sink> {
  const writer = new RotatingMjpegWriter(output, { width: info.width, height: info.height, fps: info.fps > 0 ? info.fps : 1 });
  return {
    output,
    async add({ entry, data }: ExportFrame) {
      if (entry.width !== info.width || entry.height !== info.height) return `${entry.width}×${entry.height} differs from the video's ${info.width}×${info.height}`;
      await writer.append(await toJpeg({ ...entry, data }));
      return undefined;
    },
    finish: async () => {
      await writer.close();
    },
    abort: () => writer.abandon(),
  };
}

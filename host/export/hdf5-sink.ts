import { rm } from 'node:fs/promises';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { toGray, toRgb } from '../pixels/index.js';
import { QueueHdf5Writer } from '../writers/hdf5/queue-writer.js';
import { SOURCE_HASH } from './provenance.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

/**
 * `.rtdc` HDF5 through the background writer (gzip runs on its thread while the next frames convert): gray frames
 * in /events/image (dclab's image feature is grayscale only), times in seconds; the writer adds /events/frame and
 * the 1-based /events/index. Colour recordings also get /omvd/image_rgb (N×H×W×3) outside /events, where dclab's
 * integrity check would flag an unknown feature. A file basin names the source recording.
 */
export async function hdf5Sink(output: string, info: RecordingInfo): Promise<Sink> {
  const { width, height } = info;
  const format = decodePixformat(info.pixformat);
  const color = format.color || format.compressed;
  const start = new Date(info.startTime * 1000);
  const w = await QueueHdf5Writer.open(output, {
    features: [
      { name: 'image', itemShape: [height, width], dtype: 'u1' },
      { name: 'time', itemShape: [], dtype: 'f8' },
      ...(color ? [{ name: 'image_rgb', itemShape: [height, width, 3], dtype: 'u1' as const, group: 'omvd' }] : []),
    ],
    attrs: {
      'experiment:date': start.toISOString().slice(0, 10),
      'experiment:time': start.toISOString().slice(11, 19),
      'experiment:run index': 1n,
      'experiment:sample': info.name,
      'imaging:frame rate': info.fps,
      'imaging:roi size x': BigInt(width),
      'imaging:roi size y': BigInt(height),
      'imaging:roi position x': 0,
      'imaging:roi position y': 0,
      'user:source': info.source,
      [SOURCE_HASH.hdf5]: info.sha256,
      'user:pixformat': format.name,
    },
  });
  let n = 0;
  return {
    output,
    async add({ entry, data, time }: ExportFrame) {
      if (entry.width !== width || entry.height !== height) return `${entry.width}×${entry.height} differs from the recording's ${width}×${height}`;
      const frame = { ...entry, data };
      await w.write(entry.index, { image: await toGray(frame), time, ...(color ? { image_rgb: await toRgb(frame) } : {}) });
      n++;
      return undefined;
    },
    async finish() {
      await w.storeBasin({ name: 'source recording', description: 'OpenMV ImageIO recording these frames were exported from', format: 'openmv-imageio', paths: [info.source] });
      await w.storeLog('omvd-export', [`exported by omvd from ${info.source}`, `${n} frames of ${info.frames}`]);
      await w.finish();
    },
    async abort() {
      await w.abort();
      await rm(`${output}.part`, { force: true });
    },
  };
}

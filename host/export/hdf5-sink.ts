import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { toGray, toRgb } from '../pixels/index.js';
import { RtdcWriter } from '../writers/hdf5/rtdc-writer.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

/**
 * `.rtdc` HDF5: gray frames in /events/image (dclab's image feature is grayscale only), frame numbers, times in
 * seconds and 1-based indexes; colour recordings also get /omvd/image_rgb (N×H×W×3) outside /events, where
 * dclab's integrity check would flag an unknown feature.
 */
export async function hdf5Sink(output: string, info: RecordingInfo): Promise<Sink> {
  const w = await RtdcWriter.open(output);
  const color = decodePixformat(info.pixformat).color || decodePixformat(info.pixformat).compressed;
  const { width, height } = info;
  w.requireFeature('image', [height, width], 'u1');
  w.requireFeature('frame', [], 'u8');
  w.requireFeature('time', [], 'f8');
  w.requireFeature('index', [], 'u8');
  if (color) w.requireFeature('image_rgb', [height, width, 3], 'u1', 'omvd');
  const start = new Date(info.startTime * 1000);
  w.setAttrs({
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
    'user:pixformat': decodePixformat(info.pixformat).name,
  });
  let n = 0;
  return {
    output,
    async add({ entry, data, time }: ExportFrame) {
      if (entry.width !== width || entry.height !== height) return `${entry.width}×${entry.height} differs from the recording's ${width}×${height}`;
      const frame = { ...entry, data };
      w.storeFeatureChunk('image', await toGray(frame));
      if (color) w.storeFeatureChunk('image_rgb', await toRgb(frame), 'omvd');
      w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(entry.index)));
      w.storeFeatureChunk('time', Float64Array.of(time));
      w.storeFeatureChunk('index', BigUint64Array.of(BigInt(++n)));
      return undefined;
    },
    async finish() {
      w.storeLog('omvd-export', [`exported by omvd from ${info.source}`, `${n} frames of ${info.frames}`]);
      await w.close();
    },
    abort: () => w.abort(),
  };
}

import { rename, rm } from 'node:fs/promises';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { toJpeg } from '../pixels/index.js';
import { createTrace } from '../writers/roverd/trace.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

/**
 * A roverd trace: `<out>/config.yaml` and one sensor `camera/` with `ts` (epoch seconds), the frames as a `jpg`
 * blob folder (camera JPEGs untouched, raw frames encoded), the camera's elapsed ms and frame numbers as raw
 * channels, and the recording's details in `openmv.json`. Built in `<out>.part` and renamed when complete.
 */
export async function traceSink(output: string, info: RecordingInfo): Promise<Sink> {
  const part = `${output}.part`;
  await rm(part, { recursive: true, force: true });
  const trace = await createTrace(part, { config: { source: info.source, recording: info.name, start_time: info.startTime, writer: 'omvd' } });
  const sensor = await trace.addSensor('camera');
  await sensor.addBlobChannel('frames', 'jpg', 'u1', [info.height, info.width, 3], 'OpenMV camera frames (JPEG).');
  await sensor.addRawChannel('elapsed_ms', 'u4', [], 'Milliseconds since the previous frame, as the camera recorded it.');
  await sensor.addRawChannel('frame', 'u4', [], 'Frame number within the recording.');
  await sensor.writeSideFile('openmv.json', { source: info.source, recording: info.name, width: info.width, height: info.height, pixformat: decodePixformat(info.pixformat).name, fps: info.fps });
  return {
    output,
    async add({ entry, data, time }: ExportFrame) {
      await sensor.appendFrame({
        blobs: { frames: await toJpeg({ ...entry, data }) },
        values: { elapsed_ms: entry.elapsedMs, frame: entry.index },
        ts: info.startTime + time,
      });
      return undefined;
    },
    async finish() {
      await sensor.close();
      await rm(output, { recursive: true, force: true });
      await rename(part, output);
    },
    abort: () => rm(part, { recursive: true, force: true }),
  };
}

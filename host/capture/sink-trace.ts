import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toJpeg } from '../pixels/index.js';
import { diskError } from '../writers/disk.js';
import { createTrace, type Trace } from '../writers/roverd/trace.js';
import type { TraceSensor } from '../writers/roverd/sensor.js';
import type { LiveFrame } from './live.js';
import { OrderedPipeline } from './ordered.js';
import type { CameraLoss } from './session.js';
import type { TagValue } from './session-file.js';
import { allSteps, onDisk, ELSEWHERE, group, PIPELINE_DEPTH, publishDir, type CaptureSink } from './sink.js';

type Item = { camera: string; frame: LiveFrame; jpeg?: Uint8Array } | { camera: string; loss: CameraLoss };

/**
 * A roverd trace, one sensor per camera (`cam_<id>/`): `frames` (JPEG blobs), `seq` and `camera_ms` (raw u4), `ts`
 * (host epoch seconds, the shared clock), and `missing.json`: the sequence numbers the ring overwrote, and `lost`
 * when the camera went away. Built as `<dir>.part/` and renamed into place when the session ends, however it ends;
 * ts is appended last for each frame, so the trace is consistent up to the last frame it holds.
 */
export async function traceCaptureSink(dir: string, config: Record<string, TagValue> = {}): Promise<CaptureSink> {
  const part = `${dir}.part`;
  let trace: Trace;
  try {
    await rm(part, { recursive: true, force: true });
    trace = await createTrace(part, { config: { writer: 'omvd capture', ...config } });
  } catch (err) {
    throw await diskError(err, dirname(dir), `creating ${part}`, ELSEWHERE);
  }
  const sensors = new Map<string, { sensor: TraceSensor; missing: number[]; lost?: CameraLoss }>();
  // JPEG encoding runs on sharp's threads, several frames at once; frames are appended in arrival order.
  const pipe = new OrderedPipeline<Item, Item>(
    PIPELINE_DEPTH,
    async (item) => ('frame' in item ? { ...item, jpeg: await toJpeg({ width: item.frame.width, height: item.frame.height, pixformat: item.frame.pixformat, data: item.frame.data }) } : item),
    async (item) => {
      let s = sensors.get(item.camera);
      if ('loss' in item) {
        // A camera lost before its first frame has no sensor (its frame size is unknown); the summary tells.
        if (s) {
          s.missing.push(...item.loss.missingAfter);
          s.lost = item.loss;
        }
        return;
      }
      const { frame, jpeg } = item;
      if (!s) {
        const sensor = await trace.addSensor(group(item.camera));
        await sensor.addBlobChannel('frames', 'jpg', 'u1', [frame.height, frame.width, 3], 'Camera frames (JPEG).');
        await sensor.addRawChannel('seq', 'u4', [], 'The camera\'s frame sequence number (gaps: see missing.json).');
        await sensor.addRawChannel('camera_ms', 'u4', [], 'The camera\'s ms clock when it took the frame.');
        s = { sensor, missing: [] };
        sensors.set(item.camera, s);
      }
      s.missing.push(...frame.missedBefore);
      await s.sensor.appendFrame({ blobs: { frames: jpeg! }, values: { seq: frame.seq, camera_ms: frame.cameraMs }, ts: frame.hostTime });
    },
  );
  return {
    add: (camera, frame) => onDisk(dirname(dir), `writing ${dir}`, () => pipe.add({ camera, frame })),
    lost: (camera, loss) => onDisk(dirname(dir), `writing ${dir}`, () => pipe.add({ camera, loss })),
    finish: () =>
      allSteps(dirname(dir), `writing ${dir}`, [
        () => pipe.drain(),
        async () => {
          for (const { sensor } of sensors.values()) await sensor.close();
        },
        async () => {
          for (const { sensor, missing, lost } of sensors.values()) await sensor.writeSideFile('missing.json', { missing, ...(lost ? { lost } : {}) });
        },
        () => publishDir(part, dir),
      ]),
    abort: () => rm(part, { recursive: true, force: true }),
  };
}

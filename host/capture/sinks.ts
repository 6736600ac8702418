import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RotatingMjpegWriter } from '../writers/video/video-writer.js';
import { toGray, toJpeg } from '../pixels/index.js';
import { Hdf5Writer } from '../writers/hdf5/hdf5-writer.js';
import { RecordLog } from '../writers/records.js';
import { createTrace, type Trace } from '../writers/roverd/trace.js';
import type { TraceSensor } from '../writers/roverd/sensor.js';
import type { LiveFrame } from './live.js';
import { OrderedPipeline } from './ordered.js';

/** Where a capture's frames go. Frames of one camera arrive in order; cameras interleave. */
export interface CaptureSink {
  add(camera: string, frame: LiveFrame): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

const group = (camera: string): string => `cam_${camera}`;
/** Frames converted at once per sink: enough to keep sharp's threads busy while the host reads on. */
const PIPELINE_DEPTH = 8;

/**
 * One HDF5 file for the whole session, one group per camera (`/cam_<id>/`): `image` (N×H×W uint8, gray),
 * `frame` (the camera's sequence number), `camera_time` (s, from the camera's ms clock), `host_time` (epoch s,
 * the shared host clock), and `missing`, the sequence numbers the ring overwrote before the host read them.
 */
export async function hdf5CaptureSink(path: string, attrs: Record<string, string> = {}): Promise<CaptureSink> {
  const w = await Hdf5Writer.open(path, { attrs: { 'experiment:sample': 'omvd capture', ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`user:${k}`, v])) } });
  const opened = new Set<string>();
  const pipe = new OrderedPipeline<{ camera: string; frame: LiveFrame }, { camera: string; frame: LiveFrame; gray: Uint8Array }>(
    PIPELINE_DEPTH,
    async ({ camera, frame }) => ({ camera, frame, gray: await toGray({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }) }),
    async ({ camera, frame, gray }) => {
      const g = group(camera);
      if (!opened.has(g)) {
        w.requireFeature('image', [frame.height, frame.width], 'u1', g);
        for (const name of ['frame', 'missing']) w.requireFeature(name, [], 'u8', g);
        for (const name of ['camera_time', 'host_time']) w.requireFeature(name, [], 'f8', g);
        opened.add(g);
      }
      w.storeFeatureChunk('image', gray, g);
      w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(frame.seq)), g);
      w.storeFeatureChunk('camera_time', Float64Array.of(frame.cameraMs / 1000), g);
      w.storeFeatureChunk('host_time', Float64Array.of(frame.hostTime), g);
      if (frame.missedBefore.length) w.storeFeatureChunk('missing', BigUint64Array.from(frame.missedBefore.map(BigInt)), g);
    },
  );
  return {
    add: (camera, frame) => pipe.add({ camera, frame }),
    async finish() {
      await pipe.drain();
      w.close();
    },
    async abort() {
      w.abort();
    },
  };
}

/**
 * A roverd trace, one sensor per camera (`cam_<id>/`): `frames` (JPEG blobs), `seq` and `camera_ms` (raw u4), `ts`
 * (host epoch seconds, the shared clock), and `missing.json` with the sequence numbers the ring overwrote.
 */
export async function traceCaptureSink(dir: string, config: Record<string, string> = {}): Promise<CaptureSink> {
  const part = `${dir}.part`;
  await rm(part, { recursive: true, force: true });
  const trace: Trace = await createTrace(part, { config: { writer: 'omvd capture', ...config } });
  const sensors = new Map<string, { sensor: TraceSensor; missing: number[] }>();
  // JPEG encoding runs on sharp's threads, several frames at once; frames are appended in arrival order.
  const pipe = new OrderedPipeline<{ camera: string; frame: LiveFrame }, { camera: string; frame: LiveFrame; jpeg: Uint8Array }>(
    PIPELINE_DEPTH,
    async ({ camera, frame }) => ({ camera, frame, jpeg: await toJpeg({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }) }),
    async ({ camera, frame, jpeg }) => {
      let s = sensors.get(camera);
      if (!s) {
        const sensor = await trace.addSensor(group(camera));
        await sensor.addBlobChannel('frames', 'jpg', 'u1', [frame.height, frame.width, 3], 'Camera frames (JPEG).');
        await sensor.addRawChannel('seq', 'u4', [], 'The camera\'s frame sequence number (gaps: see missing.json).');
        await sensor.addRawChannel('camera_ms', 'u4', [], 'The camera\'s ms clock when it took the frame.');
        s = { sensor, missing: [] };
        sensors.set(camera, s);
      }
      s.missing.push(...frame.missedBefore);
      await s.sensor.appendFrame({ blobs: { frames: jpeg }, values: { seq: frame.seq, camera_ms: frame.cameraMs }, ts: frame.hostTime });
    },
  );
  return {
    add: (camera, frame) => pipe.add({ camera, frame }),
    async finish() {
      await pipe.drain();
      for (const { sensor, missing } of sensors.values()) {
        await sensor.writeSideFile('missing.json', { missing });
        await sensor.close();
      }
      await rm(dir, { recursive: true, force: true });
      await rename(part, dir);
    },
    abort: () => rm(part, { recursive: true, force: true }),
  };
}

/** One MJPEG AVI per camera, `<dir>/cam_<id>.avi` (rotating before 1 GiB), at the session's frame rate. */
export async function videoCaptureSink(dir: string, fps: number): Promise<CaptureSink> {
  await mkdir(dir, { recursive: true });
  const writers = new Map<string, RotatingMjpegWriter>();
  return {
    async add(camera, frame) {
      let w = writers.get(camera);
      if (!w) {
        w = new RotatingMjpegWriter(join(dir, `${group(camera)}.avi`), { width: frame.width, height: frame.height, fps });
        writers.set(camera, w);
      }
      await w.append(await toJpeg({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }));
    },
    async finish() {
      for (const w of writers.values()) await w.close();
    },
    async abort() {
      for (const w of writers.values()) await w.close().catch(() => {});
    },
  };
}

/** A JSON Lines record log: one record per frame (its fields and bytes), and one per missed frame. */
export async function recordsCaptureSink(path: string): Promise<CaptureSink> {
  const log = new RecordLog(path);
  await log.write({ writer: 'omvd capture', started: Date.now() / 1000 });
  return {
    async add(camera, f) {
      for (const seq of f.missedBefore) await log.append({ camera, seq, missing: true });
      await log.append({ camera, seq: f.seq, camera_ms: f.cameraMs, host_time: f.hostTime, width: f.width, height: f.height, pixformat: f.pixformat, data: f.data });
    },
    async finish() {},
    async abort() {},
  };
}

import { rename, rm } from 'node:fs/promises';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { toJpeg, toGray, toRgb } from '../pixels/index.js';
import { RotatingMjpegWriter } from '../writers/video/video-writer.js';
import { createTrace } from '../writers/roverd/trace.js';
import type { TraceSensor } from '../writers/roverd/sensor.js';
import type { FrameValue } from '../writers/roverd/sample.js';
import { SOURCE_HASH } from './provenance.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

/**
 * A roverd trace: `<out>/config.yaml` and one sensor `camera/` with `ts` (epoch seconds), the frames (as the
 * caller adds them), the camera's elapsed ms and frame numbers as raw channels, and the recording's details in
 * `openmv.json`. Built in `<out>.part` and renamed when complete.
 */
async function traceWith(output: string, info: RecordingInfo, addFrames: (sensor: TraceSensor) => Promise<FrameWriter>): Promise<Sink> {
  const part = `${output}.part`;
  await rm(part, { recursive: true, force: true });
  const trace = await createTrace(part, { config: { source: info.source, recording: info.name, start_time: info.startTime, writer: 'omvd' } });
  const sensor = await trace.addSensor('camera');
  const frames = await addFrames(sensor);
  await sensor.addRawChannel('elapsed_ms', 'u4', [], 'Milliseconds since the previous frame, as the camera recorded it.');
  await sensor.addRawChannel('frame', 'u4', [], 'Frame number within the recording.');
  await sensor.writeSideFile('openmv.json', { source: info.source, recording: info.name, [SOURCE_HASH.trace]: info.sha256, width: info.width, height: info.height, pixformat: decodePixformat(info.pixformat).name, fps: info.fps });
  return {
    output,
    async add(frame: ExportFrame) {
      const { entry, time } = frame;
      const written = await frames.write(frame);
      if (typeof written === 'string') return written;
      await sensor.appendFrame({ ...written, values: { ...written.values, elapsed_ms: entry.elapsedMs, frame: entry.index }, ts: info.startTime + time });
      return undefined;
    },
    async finish() {
      await frames.close();
      await sensor.close();
      await rm(output, { recursive: true, force: true });
      await rename(part, output);
    },
    abort: () => rm(part, { recursive: true, force: true }),
  };
}

interface FrameWriter {
  /** The frame's samples for the trace, or why it is skipped. */
  write(frame: ExportFrame): Promise<{ blobs?: Record<string, Uint8Array>; values?: Record<string, FrameValue> } | string>;
  close(): Promise<void>;
}

/**
 * `blob`: the frames as a `jpg` blob folder (camera JPEGs untouched, raw frames encoded); with `video`, also as
 * `video.avi`, roverd's `mjpg` channel (the same JPEGs in an MJPEG AVI, written before each frame's ts).
 */
export function traceSink(options: { video?: boolean } = {}) {
  return (output: string, info: RecordingInfo): Promise<Sink> =>
    traceWith(output, info, async (sensor) => {
      await sensor.addBlobChannel('frames', 'jpg', 'u1', [info.height, info.width, 3], 'OpenMV camera frames (JPEG).');
      let video: RotatingMjpegWriter | undefined;
      if (options.video) {
        const path = await sensor.addChannel('video.avi', { format: 'mjpg', type: 'u1', shape: [info.height, info.width, 3], desc: 'OpenMV camera frames as an MJPEG AVI.' });
        video = new RotatingMjpegWriter(path, { width: info.width, height: info.height, fps: info.fps > 0 ? info.fps : 30 });
      }
      return {
        async write({ entry, data }) {
          const jpeg = await toJpeg({ ...entry, data });
          await video?.append(jpeg);
          return { blobs: { frames: jpeg } };
        },
        async close() {
          await video?.close();
        },
      };
    });
}

/**
 * `raw`: the frames' pixels as one raw `u1` channel, `frames`, of shape [H, W] for gray and binary recordings or
 * [H, W, 3] (RGB) for colour and compressed ones. A raw channel has one sample shape, so a frame of another size
 * (the recording changed resolution mid-way) is skipped and reported rather than silently resized.
 */
export function rawSink(output: string, info: RecordingInfo): Promise<Sink> {
  const format = decodePixformat(info.pixformat);
  const color = format.color || format.compressed;
  const shape = color ? [info.height, info.width, 3] : [info.height, info.width];
  return traceWith(output, info, async (sensor) => {
    await sensor.addRawChannel('frames', 'u1', shape, color ? 'OpenMV camera frames, 8-bit RGB.' : 'OpenMV camera frames, 8-bit gray.');
    return {
      async write({ entry, data }) {
        if (entry.width !== info.width || entry.height !== info.height) return `frame is ${entry.width}×${entry.height}, the raw channel holds ${info.width}×${info.height}`;
        const pixels = color ? await toRgb({ ...entry, data }) : await toGray({ ...entry, data });
        return { values: { frames: pixels } };
      },
      async close() {},
    };
  });
}

import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { toGray, toJpeg, toRgb } from '../pixels/index.js';
import { createTrace, type Trace } from '../writers/roverd/trace.js';
import type { TraceSensor } from '../writers/roverd/sensor.js';
import type { YamlMap } from '../writers/roverd/yaml.js';
import { RotatingMjpegWriter } from '../writers/video/video-writer.js';
import { CameraClock } from './camera-clock.js';
import type { DatasetFrame, DatasetInfo, DatasetSink, StreamLoss } from './frame.js';
import { OrderedPipeline } from './ordered.js';
import { relativeSource, SOURCE_HASH } from './provenance.js';
import { allSteps, group, onDisk, PIPELINE_DEPTH, publishDir } from './sink.js';
import { FrameSizes } from './sizes.js';

export interface TraceOptions {
  /** `jpeg` (default): a `jpg` blob channel of JPEGs (camera JPEGs untouched); `raw`: one raw u1 channel of pixels. */
  pixels?: 'jpeg' | 'raw';
  /** With JPEGs, also `video.avi`: roverd's `mjpg` channel, which its typed Camera sensor reads (default true). */
  video?: boolean;
}

type Item = { camera: string; frame: DatasetFrame; bytes?: Uint8Array } | { camera: string; loss: StreamLoss };
interface Sensor {
  sensor: TraceSensor;
  clock: CameraClock;
  video?: RotatingMjpegWriter;
  missing: number[];
  lost?: StreamLoss;
}

/**
 * A roverd trace: `config.yaml`, and a sensor per camera (`camera/` for an export's one camera, else `cam_<id>/`)
 * with `ts` (epoch seconds), `frames` (JPEG blobs, or raw pixels: H×W gray, H×W×3 RGB for colour), `video.avi` (the
 * same JPEGs as an MJPEG AVI, roverd's Camera channel), `frame`, `elapsed_ms` and `camera_ms` (raw u4: the
 * camera's frame number, ms since its previous frame, its ms clock), `openmv.json` (the camera and, for an
 * export, the recording) and `missing.json` (frame numbers that never arrived, and `lost` when the camera went
 * away). Built as `<dir>.part/` and renamed into place at the end; ts is appended last for each frame, so the trace
 * is consistent up to the last frame it holds.
 */
export async function traceSink(dir: string, info: DatasetInfo, options: TraceOptions = {}): Promise<DatasetSink> {
  const raw = options.pixels === 'raw';
  const video = !raw && (options.video ?? true);
  const part = `${dir}.part`;
  const source = info.source;
  const trace: Trace = await onDisk(dirname(dir), `creating ${part}`, info.elsewhere, async () => {
    await rm(part, { recursive: true, force: true });
    const config: YamlMap = source ? { source: relativeSource(source.path, join(dir, 'config.yaml')), recording: basename(source.path), start_time: source.startTime } : {};
    return createTrace(part, { config: { writer: info.writer, ...config, ...info.tags } });
  });
  const sensors = new Map<string, Sensor>();
  const sizes = new FrameSizes();
  const convert = async (frame: DatasetFrame): Promise<Uint8Array> => {
    if (!raw) return toJpeg(frame);
    const format = decodePixformat(frame.pixformat);
    return format.color || format.compressed ? toRgb(frame) : toGray(frame);
  };
  const open = async (camera: string, frame: DatasetFrame): Promise<Sensor> => {
    const sensor = await trace.addSensor(info.cameras === 'one' ? 'camera' : group(camera));
    const { width, height } = frame;
    const format = decodePixformat(frame.pixformat);
    if (raw) await sensor.addRawChannel('frames', 'u1', format.color || format.compressed ? [height, width, 3] : [height, width], `Camera frames, 8-bit ${format.color || format.compressed ? 'RGB' : 'gray'}.`);
    else await sensor.addBlobChannel('frames', 'jpg', 'u1', [height, width, 3], 'Camera frames (JPEG).');
    const s: Sensor = { sensor, clock: new CameraClock(), missing: [] };
    if (video) {
      const path = await sensor.addChannel('video.avi', { format: 'mjpg', type: 'u1', shape: [height, width, 3], desc: 'Camera frames as an MJPEG AVI (the JPEGs of frames/).' });
      s.video = new RotatingMjpegWriter(path, { width, height, fps: info.nominalFps ?? 30 });
    }
    await sensor.addRawChannel('frame', 'u4', [], 'The camera\'s frame number (gaps: see missing.json).');
    await sensor.addRawChannel('elapsed_ms', 'u4', [], 'Milliseconds since the previous frame, by the camera\'s clock.');
    await sensor.addRawChannel('camera_ms', 'u4', [], 'The camera\'s ms clock when it took the frame.');
    sensors.set(camera, s);
    return s;
  };
  // Conversion runs on sharp's threads, several frames at once; frames are appended in arrival order.
  const pipe = new OrderedPipeline<Item, Item>(
    PIPELINE_DEPTH,
    async (item) => ('frame' in item ? { ...item, bytes: await convert(item.frame) } : item),
    async (item) => {
      if ('loss' in item) {
        const s = sensors.get(item.camera);
        // A camera lost before its first frame has no sensor (its frame size is unknown); the summary tells.
        if (s) {
          s.missing.push(...item.loss.missingAfter);
          s.lost = item.loss;
        }
        return;
      }
      const { frame, bytes } = item;
      const s = sensors.get(item.camera) ?? (await open(item.camera, frame));
      const elapsed = s.clock.tick(frame);
      s.missing.push(...frame.missedBefore);
      if (s.video) {
        const fps = s.clock.receivedFps;
        if (fps !== undefined) s.video.setFps(fps);
        await s.video.append(bytes!);
      }
      const values = { frame: frame.seq, elapsed_ms: elapsed, camera_ms: frame.cameraMs >>> 0 };
      await s.sensor.appendFrame(raw ? { values: { ...values, frames: bytes! }, ts: frame.hostTime } : { blobs: { frames: bytes! }, values, ts: frame.hostTime });
    },
  );
  const on = <T>(step: () => Promise<T>): Promise<T> => onDisk(dirname(dir), `writing ${dir}`, info.elsewhere, step);
  return {
    async add(camera, frame) {
      const skip = raw || video ? sizes.check(camera, frame) : undefined;
      if (skip) return skip;
      await on(() => pipe.add({ camera, frame }));
    },
    lost: (camera, loss) => on(() => pipe.add({ camera, loss })),
    finish: () =>
      allSteps(dirname(dir), `writing ${dir}`, info.elsewhere, [
        () => pipe.drain(),
        async () => {
          for (const { sensor, video: v } of sensors.values()) {
            await v?.close();
            await sensor.close();
          }
        },
        async () => {
          for (const [camera, s] of sensors) {
            await s.sensor.writeSideFile('openmv.json', sideFile(info, camera, s, join(dir, basename(s.sensor.path), 'openmv.json')));
            await s.sensor.writeSideFile('missing.json', { missing: s.missing, ...(s.lost ? { lost: s.lost } : {}) });
          }
        },
        () => publishDir(part, dir, info.elsewhere),
      ]),
    async abort() {
      await pipe.stop(); // a frame still being written would put files back into the folder removed
      await rm(part, { recursive: true, force: true });
    },
  };
}

/** openmv.json: the camera's frames and, for an export, the recording they came from (path relative to this file). */
function sideFile(info: DatasetInfo, camera: string, s: Sensor, file: string): Record<string, unknown> {
  const first = s.clock.first!;
  const source = info.source;
  return {
    ...(info.cameras === 'many' || info.known?.[camera] ? { camera, ...(info.known?.[camera]?.board ? { board: info.known[camera].board } : {}) } : {}),
    ...(source ? { source: relativeSource(source.path, file), recording: basename(source.path), [SOURCE_HASH.trace]: source.sha256 } : {}),
    width: first.width,
    height: first.height,
    pixformat: decodePixformat(first.pixformat).name,
    frames: s.clock.frames,
    fps: s.clock.cameraFps ?? null,
    writer: info.writer,
  };
}

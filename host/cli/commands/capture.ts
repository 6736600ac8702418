import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { runSession, sensorSettings, FRAMESIZES, PIXFORMATS, type CameraSetup } from '../../capture/session.js';
import { connectCamera } from '../../discovery/connect.js';
import { cameraCommand } from '../../sync/ctl.js';
import { checkOutput, loadSessionFile, parseDuration, SessionFileError, type SessionSpec } from '../../capture/session-file.js';
import { hdf5CaptureSink, recordsCaptureSink, traceCaptureSink, videoCaptureSink, type CaptureSink } from '../../capture/sinks.js';
import type { ClientOptions } from '../../v2/client.js';
import { cameraPorts, clientOptions, linkOptions, type LinkArgs } from './camera-options.js';

interface Args extends LinkArgs {
  port?: string[];
  session?: string;
  duration?: string;
  frames?: number;
  fps?: number;
  pixformat?: CameraSetup['pixformat'];
  framesize?: CameraSetup['framesize'];
  slots?: number;
  'exposure-us'?: number;
  'gain-db'?: number;
  camera?: string[];
  'record-on-camera': boolean;
  to?: string[];
  json: boolean;
}

async function openSink(output: string, tags: Record<string, string>, fps: number): Promise<CaptureSink> {
  const at = output.indexOf(':');
  const kind = output.slice(0, at);
  const path = resolve(output.slice(at + 1));
  if (kind === 'hdf5') return hdf5CaptureSink(path, tags);
  if (kind === 'trace') return traceCaptureSink(path, tags);
  if (kind === 'video') return videoCaptureSink(path, fps);
  return recordsCaptureSink(path);
}

/** The ports of the cameras with these unique ids, found by asking every OpenMV camera attached. */
async function portsOf(ids: string[], options: ClientOptions): Promise<string[]> {
  const wanted = new Set(ids.map((i) => i.toUpperCase()));
  const found = new Map<string, string>();
  for (const port of await cameraPorts(undefined)) {
    const conn = await connectCamera(port, options).catch(() => null);
    if (!conn) continue;
    found.set(conn.client.camera.sysInfo.uniqueId, port);
    await conn.close();
  }
  const missing = [...wanted].filter((id) => !found.has(id));
  if (missing.length) throw new SessionFileError('command line', '--camera', `names ${missing.join(', ')}, which no attached camera is (attached: ${[...found.keys()].join(', ') || 'none'})`);
  return [...wanted].map((id) => found.get(id)!);
}

/** The session from --session, with command-line options taking precedence. */
async function sessionFrom(args: Args, options: ClientOptions): Promise<SessionSpec> {
  const spec: SessionSpec = args.session ? await loadSessionFile(args.session) : { cameras: [], to: [], tags: {} };
  const fail = (field: string) => (msg: string): never => {
    throw new SessionFileError('command line', field, msg);
  };
  if (args.port?.length) spec.cameras = (await cameraPorts(args.port)).map((port) => ({ port }));
  if (args.camera?.length) spec.cameras = [...spec.cameras, ...(await portsOf(args.camera, options)).map((port) => ({ port }))];
  if (spec.cameras.length === 0) spec.cameras = (await cameraPorts(undefined)).map((port) => ({ port }));
  for (const c of spec.cameras) {
    if (args.fps !== undefined) c.fps = args.fps;
    if (args.pixformat !== undefined) c.pixformat = args.pixformat;
    if (args.framesize !== undefined) c.framesize = args.framesize;
    if (args.slots !== undefined) c.liveSlots = args.slots;
    if (args['exposure-us'] !== undefined) c.exposureUs = args['exposure-us'];
    if (args['gain-db'] !== undefined) c.gainDb = args['gain-db'];
  }
  if (args.duration !== undefined) spec.durationS = parseDuration(/^\d+(\.\d+)?$/.test(args.duration) ? Number(args.duration) : args.duration, fail('--duration'));
  if (args.frames !== undefined) spec.frames = args.frames;
  if (args.to?.length) spec.to = args.to.map((o) => checkOutput(o, fail('--to')));
  if (spec.to.length === 0 && !args['record-on-camera']) throw new SessionFileError('command line', '--to', 'is missing: name at least one output, e.g. --to hdf5:run.h5 --to trace:run');
  return spec;
}

export const captureCommand: CommandModule<object, Args> = {
  command: 'capture',
  describe: 'Capture live frames from one or more cameras straight into HDF5, a roverd trace or a record log',
  builder: (y) =>
    linkOptions(y)
      .option('port', { type: 'string', array: true, describe: 'camera serial port (repeat for several; default: every OpenMV camera found)' })
      .option('session', { type: 'string', describe: 'a session file (JSON): {"cameras": [{"port", "pixformat", "framesize", "fps", "live_slots"}], "duration", "frames", "to", "tags"}' })
      .option('duration', { type: 'string', describe: 'how long: 30s, 2m, 0.5h (or seconds)' })
      .option('frames', { type: 'number', describe: 'stop each camera after this many frames' })
      .option('fps', { type: 'number', describe: 'frame rate for every camera' })
      .option('pixformat', { type: 'string', choices: PIXFORMATS, describe: 'pixel format for every camera (default GRAYSCALE)' })
      .option('framesize', { type: 'string', choices: FRAMESIZES, describe: 'frame size for every camera (default QVGA)' })
      .option('slots', { type: 'number', describe: 'live ring slots on each camera: how far the host may fall behind before frames are lost (default 16)' })
      .option('camera', { type: 'string', array: true, describe: 'a camera by its unique id (repeat for several; found among the attached cameras)' })
      .option('exposure-us', { type: 'number', describe: 'fixed exposure in microseconds, where the sensor allows it (default: automatic)' })
      .option('gain-db', { type: 'number', describe: 'fixed gain in dB, where the sensor allows it (default: automatic)' })
      .option('record-on-camera', { type: 'boolean', default: false, describe: 'start a recording on each camera\'s own storage instead (for --duration), and return; the daemon syncs it later' })
      .option('to', { type: 'string', array: true, describe: 'outputs: hdf5:PATH (one file, a group per camera), trace:DIR (roverd, a sensor per camera), video:DIR (an MJPEG AVI per camera), records:PATH (JSON Lines)' })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary (frames, dropped, bytes, fps per camera)' })
      .example('$0 capture --port /dev/ttyACM0 --port /dev/ttyACM1 --duration 30s --fps 60 --to hdf5:run.h5 --to trace:run', 'two cameras, 30 s, into one HDF5 file and one trace')
      .example('$0 capture --session run.json --json', 'a capture described in a file') as never,
  handler: async (args) => {
    const client = await clientOptions(args);
    const spec = await sessionFrom(args, client);
    if (args['record-on-camera']) {
      if (spec.durationS === undefined) throw new SessionFileError('command line', '--duration', 'is needed with --record-on-camera: the camera stops by itself after it');
      const started = [];
      for (const cam of spec.cameras) {
        const conn = await connectCamera(cam.port!, client);
        try {
          await cameraCommand(conn.client, { cmd: 'clock', epoch_ms: Date.now() });
          const reply = await cameraCommand(conn.client, { cmd: 'record', to: 'file', ...sensorSettings(cam), duration_s: spec.durationS });
          started.push({ camera: conn.client.camera.sysInfo.uniqueId, port: cam.port, file: (reply.recording as { file?: string } | null)?.file ?? null });
        } finally {
          await conn.close();
        }
      }
      if (args.json) process.stdout.write(`${JSON.stringify({ ok: true, recordingOnCamera: started, seconds: spec.durationS })}\n`);
      else for (const s of started) process.stdout.write(`${s.camera}: recording ${s.file} for ${spec.durationS} s on the camera; omvd sync (or the daemon) copies it when it is done\n`);
      return;
    }
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const sinks: CaptureSink[] = [];
    for (const o of spec.to) sinks.push(await openSink(o, spec.tags, spec.cameras[0]?.fps ?? 30));
    const counts = new Map<string, { frames: number; dropped: number; bytes: number }>();
    const tty = process.stderr.isTTY && !args.json;
    const started = Date.now();
    const summary = await runSession({
      cameras: spec.cameras,
      sinks,
      ...(spec.durationS === undefined ? {} : { durationS: spec.durationS }),
      ...(spec.frames === undefined ? {} : { frames: spec.frames }),
      signal: controller.signal,
      client,
      onFrame: tty
        ? (cam, f) => {
            const c = counts.get(cam) ?? { frames: 0, dropped: 0, bytes: 0 };
            c.frames++;
            c.dropped += f.missedBefore.length;
            c.bytes += f.data.length;
            counts.set(cam, c);
            const s = (Date.now() - started) / 1000;
            process.stderr.write(`\r${[...counts].map(([id, x]) => `${id.slice(-6)}: ${x.frames} frames ${(x.frames / s).toFixed(1)} fps ${x.dropped} dropped ${(x.bytes / 1e6).toFixed(1)} MB`).join(' | ')}`);
          }
        : undefined,
    });
    if (tty) process.stderr.write('\n');
    const stoppedBy = controller.signal.aborted ? 'signal' : spec.frames !== undefined && summary.every((s) => s.frames >= spec.frames!) ? 'frames' : 'duration';
    if (args.json) process.stdout.write(`${JSON.stringify({ ok: true, stoppedBy, outputs: spec.to, cameras: summary })}\n`);
    else for (const s of summary) process.stdout.write(`${s.camera}: ${s.frames} frames, ${s.dropped} dropped, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.fps.toFixed(1)} fps\n`);
  },
};

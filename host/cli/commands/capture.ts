import type { CommandModule } from 'yargs';
import { dirname, resolve } from 'node:path';
import { recordOnCameras, type OnCameraRecording } from '../../capture/on-camera.js';
import { captureError, stoppedBy, type CaptureRun } from '../../capture/outcome.js';
import { openOutputs, parseOutputs, prepareOutputs, type CaptureOutput } from '../../capture/outputs.js';
import { portsOfCameras } from '../../capture/pick-cameras.js';
import { CaptureFailedError, runSession, type CameraSetup, type CameraSummary } from '../../capture/session.js';
import { CAMERA_FIELDS, checkCameraField, checkCompression, checkFrames, checkOutput, loadSessionFile, parseDuration, SessionFileError, type CameraField, type SessionSpec } from '../../capture/session-file.js';
import { RateMeter, watchFreeSpace } from '../../capture/disk-watch.js';
import { describeLoss } from '../../capture/sink.js';
import type { OmvError } from '../../../protocol/errors.js';
import { loadConfig } from '../../config/config.js';
import { metaFlag } from '../../datasets/meta.js';
import { HDF5_COMPRESSIONS } from '../../writers/hdf5/compression.js';
import { exitCodeFor } from '../exit-codes.js';
import type { ClientOptions } from '../../v2/client.js';
import { captureThroughDaemon, sessionDocument } from '../../api/remote-capture.js';
import { connected, Daemons } from '../../api/route.js';
import type { DaemonClient } from '../../api/client.js';
import { UsageError } from '../usage-error.js';
import { cameraPorts, clientOptions, linkOptions, type LinkArgs } from './camera-options.js';

type Flag = 'fps' | 'pixformat' | 'framesize' | 'slots' | 'exposure-us' | 'gain-db';
type Args = { [F in Flag]?: string } & LinkArgs & {
  port?: string[];
  session?: string;
  duration?: string;
  frames?: string;
  camera?: string[];
  'record-on-camera': boolean;
  to?: string[];
  meta?: string[];
  'hdf5-compression'?: string;
  force: boolean;
  json: boolean;
};

const FLAG_FIELDS = Object.entries(CAMERA_FIELDS).map(([field, f]) => [f.flag.slice(2) as Flag, field as CameraField] as const);
/** A flag's text as a session file would hold it: a number where it reads as one, else the text. */
const asValue = (text: string): string | number => (/^[+-]?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text);

/**
 * The session from --session and the flags (which take precedence), checked field by field before any camera is
 * opened; `settings` are the flags' camera settings, for every camera.
 */
async function sessionFrom(args: Args): Promise<{ spec: SessionSpec; settings: Partial<CameraSetup> }> {
  const spec: SessionSpec = args.session ? await loadSessionFile(args.session) : { cameras: [], to: [], tags: {}, meta: {} };
  const fail = (field: string) => (msg: string): never => {
    throw new SessionFileError('command line', field, msg);
  };
  const settings: Partial<CameraSetup> = {};
  for (const [flag, field] of FLAG_FIELDS) if (args[flag] !== undefined) Object.assign(settings, checkCameraField(field, asValue(args[flag]!), fail(`--${flag}`)));
  if (args.port?.length) spec.cameras = args.port.map((port) => ({ port }));
  if (args.duration !== undefined) spec.durationS = parseDuration(args.duration, fail('--duration'));
  if (args.frames !== undefined) spec.frames = checkFrames(asValue(args.frames), fail('--frames'));
  if (args.to?.length) spec.to = args.to.map((o) => checkOutput(o, fail('--to')));
  spec.meta = { ...(await loadConfig()).meta, ...spec.meta, ...Object.fromEntries((args.meta ?? []).map((m) => metaFlag(m, fail('--meta')))) };
  if (args['hdf5-compression'] !== undefined) spec.hdf5Compression = checkCompression(args['hdf5-compression'], fail('--hdf5-compression'));
  if (args['record-on-camera']) {
    if (spec.to.length) fail('--record-on-camera')('records on each camera\'s own storage, so it takes no outputs: leave out --to (and "to" in the session file), or --record-on-camera');
    if (spec.frames !== undefined) fail('--frames')('is for live captures; a recording on the camera stops after --duration');
    if (spec.durationS === undefined) fail('--duration')('is needed with --record-on-camera: the camera stops by itself after it');
  } else if (spec.to.length === 0) fail('--to')('is missing: name at least one output, e.g. --to hdf5:run.h5 --to trace:run');
  return { spec, settings };
}

/**
 * The cameras: those named (or every OpenMV camera attached or served by a daemon), narrowed to the --camera ids
 * (a daemon says which camera it serves on a port; other ports are asked), with the flags' settings.
 */
async function cameraSetups(spec: SessionSpec, settings: Partial<CameraSetup>, ids: string[] | undefined, client: ClientOptions, daemons: Daemons): Promise<CameraSetup[]> {
  const given = spec.cameras.length ? spec.cameras.map((c) => ({ ...c, port: resolve(c.port!) })) : (await cameraPorts(undefined)).map((port) => ({ port }));
  let picked = given;
  if (ids?.length) {
    const wanted = [...new Set(ids.map((i) => i.toUpperCase()))];
    const byId = new Map<string, string>();
    for (const c of given) {
      const served = await daemons.serving(c.port);
      if (served?.camera.id) byId.set(served.camera.id.toUpperCase(), c.port);
    }
    const rest = wanted.filter((id) => !byId.has(id));
    const ports = rest.length ? await portsOfCameras(rest, given.map((c) => c.port).filter((p) => ![...byId.values()].includes(p)), client) : [];
    rest.forEach((id, i) => byId.set(id, ports[i]!));
    picked = wanted.map((id) => given.find((c) => c.port === byId.get(id))!);
  }
  return picked.map((c) => ({ ...c, ...settings }));
}

/** `--record-on-camera` on cameras a daemon serves: it starts each recording on its own connection. */
async function recordThroughDaemon(daemon: DaemonClient, daemons: Daemons, setups: CameraSetup[], seconds: number): Promise<OnCameraRecording[]> {
  const started: OnCameraRecording[] = [];
  for (const setup of setups) {
    const { port: _p, ...fields } = (sessionDocument([setup], { tags: {} }).cameras as Record<string, unknown>[])[0]!;
    const id = connected((await daemons.serving(setup.port!))!).id;
    const reply = await daemon.json<{ recordingOnCamera: OnCameraRecording[] }>('POST', `/api/v1/cameras/${id}/record`, { ...fields, duration: seconds });
    started.push({ ...reply.recordingOnCamera[0]!, port: setup.port! });
  }
  return started;
}

/** The daemon serving every one of these cameras, or null when none serves any (a mix cannot be one capture). */
async function servingDaemon(cameras: CameraSetup[], daemons: Daemons): Promise<DaemonClient | null> {
  const served = await Promise.all(cameras.map((c) => daemons.serving(c.port!)));
  if (served.every((s) => s === null)) return null;
  const first = served[0]?.daemon;
  if (served.some((s) => s === null || s.daemon.socket !== first?.socket)) {
    const where = cameras.map((c, i) => `${c.port} (${served[i] ? `daemon ${served[i]!.daemon.socket}` : 'not served'})`).join(', ');
    throw new UsageError(`these cameras are not all served by one daemon: ${where}; capture them in separate runs, or let the daemon serve them all`);
  }
  return first!;
}

function printText(run: CaptureRun, outputs: CaptureOutput[], error: OmvError | undefined): void {
  for (const c of run.cameras) {
    process.stdout.write(`${c.camera}: ${c.frames} frames, ${c.dropped} dropped, ${(c.bytes / 1e6).toFixed(1)} MB, ${c.fps.toFixed(1)} fps\n`);
    if (c.lost) process.stdout.write(`  ${describeLoss(c.camera, c.lost)}\n`);
    for (const w of c.warnings ?? []) process.stdout.write(`  warning: ${w}\n`);
  }
  for (const o of outputs) process.stdout.write(`${o.kind.padEnd(7)} → ${o.path}${o.error ? ` NOT COMPLETE: ${o.error}${o.left ? ` (what it holds is in ${o.left})` : ''}` : ''}\n`);
  if (error) process.stderr.write(`omvd: ${error.message}\n`);
}

export const captureCommand: CommandModule<object, Args> = {
  command: 'capture',
  describe: 'Capture live frames from one or more cameras straight into HDF5, a roverd trace, MJPEG AVIs or a record log',
  builder: (y) =>
    linkOptions(y)
      .option('port', { type: 'string', array: true, describe: 'camera serial port (repeat for several; default: every OpenMV camera found)' })
      .option('session', { type: 'string', describe: 'a session file, JSON (or YAML if named .yaml/.yml): {"cameras": [{"port", "pixformat", "framesize", "fps", "live_slots", "exposure_us", "gain_db"}], "duration", "frames", "to", "tags", "meta", "hdf5_compression"}; flags override its fields' })
      .option('duration', { type: 'string', describe: 'how long: 30s, 1m30s, 250ms, 0.5h (or seconds)' })
      .option('frames', { type: 'string', describe: 'stop each camera after this many frames' })
      .option('fps', { type: 'string', describe: 'frame rate for every camera, 0 < fps ≤ 240 (default 30)' })
      .option('pixformat', { type: 'string', describe: 'pixel format for every camera: GRAYSCALE (default), RGB565, JPEG' })
      .option('framesize', { type: 'string', describe: 'frame size for every camera: QQQVGA, QQVGA, HQVGA, QVGA (default), HVGA, VGA' })
      .option('slots', { type: 'string', describe: 'live ring slots on each camera, 2 to 64: how far the host may fall behind before frames are lost (default 16)' })
      .option('camera', { type: 'string', array: true, describe: 'a camera by its unique id (repeat for several), picked among --port (default: among the attached cameras)' })
      .option('exposure-us', { type: 'string', describe: 'fixed exposure in microseconds, where the sensor allows it (default: automatic)' })
      .option('gain-db', { type: 'string', describe: 'fixed gain, 0 to 48 dB, where the sensor allows it (default: automatic)' })
      .option('record-on-camera', { type: 'boolean', default: false, describe: 'start a recording of --duration on each camera\'s own storage instead, and return (no --to); omvd sync or the daemon copies it later' })
      .option('to', { type: 'string', array: true, describe: 'outputs: hdf5:PATH (one file, a group per camera), rtdc:DIR (an .rtdc file per camera, for dclab), trace:DIR (roverd, a sensor per camera), video:DIR (an MJPEG AVI per camera), records:PATH (JSON Lines)' })
      .option('meta', { type: 'string', array: true, describe: 'dclab metadata for the HDF5 outputs, section:key=value (repeat): your setup, e.g. setup:medium=water imaging:pixel size=0.34; over the session file\'s "meta" and the config file\'s' })
      .option('hdf5-compression', { type: 'string', describe: `HDF5 compression: ${HDF5_COMPRESSIONS.join(', ')} (default gzip, which Debian's h5py reads without plugins; zstd is dcnum's, smaller, and needs hdf5plugin to read)` })
      .option('force', { type: 'boolean', default: false, describe: 'replace outputs that exist (once the new capture is done), and delete .part files a killed capture left' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON line: outputs, each camera\'s frames, drops, rate and whether it went away' })
      .example('$0 capture --port /dev/ttyACM0 --port /dev/ttyACM1 --duration 30s --fps 60 --to hdf5:run.h5 --to trace:run', 'two cameras, 30 s, into one HDF5 file and one trace')
      .example('$0 capture --session run.yaml --json', 'a capture described in a file') as never,
  handler: async (args) => {
    const { spec, settings } = await sessionFrom(args);
    const client = await clientOptions(args);
    const daemons = await Daemons.find();
    if (args['record-on-camera']) {
      const setups = await cameraSetups(spec, settings, args.camera, client, daemons);
      const daemon = await servingDaemon(setups, daemons);
      const started = daemon ? await recordThroughDaemon(daemon, daemons, setups, spec.durationS!) : await recordOnCameras(setups, spec.durationS!, client);
      if (args.json) process.stdout.write(`${JSON.stringify({ ok: true, recordingOnCamera: started, seconds: spec.durationS })}\n`);
      else
        for (const s of started) {
          process.stdout.write(`${s.camera}: recording ${s.recording} for ${spec.durationS} s on the camera; omvd sync (or the daemon) copies it when it is done\n`);
          for (const w of s.warnings ?? []) process.stdout.write(`  warning: ${w}\n`);
        }
      return;
    }
    const outputs = parseOutputs(spec.to, args.session ?? 'command line');
    await prepareOutputs(outputs, args.force);
    const cameras = await cameraSetups(spec, settings, args.camera, client, daemons);
    const daemon = await servingDaemon(cameras, daemons);
    const controller = new AbortController();
    let signalled = false;
    const onSignal = (): void => {
      signalled = true;
      controller.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const sinks = await openOutputs(outputs, { tags: spec.tags, meta: spec.meta, fps: cameras[0]?.fps ?? 30, ...(spec.hdf5Compression ? { compression: spec.hdf5Compression } : {}) });
    const rate = new RateMeter();
    let diskFull: OmvError | undefined;
    const unwatch = watchFreeSpace(outputs.map((o) => dirname(o.path)), () => rate.perSecond(), (err) => {
      diskFull = err;
      controller.abort();
    });
    const tty = process.stderr.isTTY && !args.json;
    const started = Date.now();
    let summaries: CameraSummary[];
    let failure: unknown;
    const onFrame = (_cam: string, f: { data: Uint8Array }): void => {
      rate.add(f.data.length);
      if (tty) process.stderr.write(`\r${((Date.now() - started) / 1000).toFixed(1)} s, ${(rate.perSecond() / 1e6).toFixed(1)} MB/s`);
    };
    try {
      summaries = daemon
        ? await captureThroughDaemon(daemon, sessionDocument(cameras, spec), {
            sinks,
            signal: controller.signal,
            onFrame,
            onStarted: (c) => {
              process.stderr.write(`omvd: the daemon (${daemon.socket}) runs this capture (${c.id}) on its connections; its sync of ${c.cameras.map((x) => x.camera).join(', ')} is paused until the capture ends\n`);
            },
          })
        : await runSession({
            cameras,
            sinks,
            ...(spec.durationS === undefined ? {} : { durationS: spec.durationS }),
            ...(spec.frames === undefined ? {} : { frames: spec.frames }),
            signal: controller.signal,
            client,
            onFrame,
          });
    } catch (e) {
      if (!(e instanceof CaptureFailedError)) throw e;
      summaries = e.cameras;
      failure = e;
    } finally {
      unwatch();
    }
    if (tty) process.stderr.write('\n');
    const run: CaptureRun = { cameras: summaries, failure, ...(diskFull ? { diskFull } : {}), signalled, limited: spec.durationS !== undefined || spec.frames !== undefined, seconds: (Date.now() - started) / 1000, ...(spec.frames === undefined ? {} : { frames: spec.frames }) };
    const error = captureError(run);
    if (args.json) {
      const doc = { ok: !error, ...(error ? { error: { code: error.code, message: error.message } } : {}), stoppedBy: stoppedBy(run), seconds: Number(run.seconds.toFixed(3)), outputs, cameras: summaries, tags: spec.tags };
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    } else printText(run, outputs, error);
    if (error) process.exitCode = exitCodeFor(error);
  },
};

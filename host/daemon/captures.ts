import { isAbsolute, join, normalize, resolve } from 'node:path';
import { RateMeter, watchFreeSpace } from '../capture/disk-watch.js';
import type { LiveFrame } from '../capture/live.js';
import type { HostDiskError } from '../writers/disk.js';
import { openOutputs, parseOutputs, prepareOutputs, type CaptureOutput } from '../capture/outputs.js';
import { CaptureFailedError, runSession, type CameraSetup, type CameraSummary } from '../capture/session.js';
import { parseSessionSpec, SessionFileError, type SessionSpec } from '../capture/session-file.js';
import type { CaptureSink } from '../capture/sinks.js';
import { OmvError } from '../../protocol/errors.js';
import { captureDoc, type CaptureDoc } from './capture-doc.js';
import type { DaemonCamera } from './camera.js';
import { NoSuchCameraError, type Daemon } from './daemon.js';

const WHERE = 'the session document';

/** What `GET /api/v1/captures/{id}` shows; `summary` is what `omvd capture --json` prints, once the capture ended. */
export interface CaptureJson {
  id: string;
  state: 'running' | 'finished';
  startedAt: string;
  endedAt: string | null;
  cameras: { camera: string; port: string }[];
  outputs: CaptureOutput[];
  summary: CaptureDoc | null;
}

/** How a capture ended, for a client that followed its frames (and so decides about its own outputs). */
export interface CaptureEnd {
  cameras: CameraSummary[];
  /** What made the session fail, and whether that happened after its first frame (as runSession tells them apart). */
  failure?: { code: string; message: string; afterFrames: boolean };
}

export class CaptureNotFoundError extends OmvError {
  constructor(id: string) {
    super('ENOCAPTURE', `there is no capture ${id} (GET /api/v1/captures lists them)`);
  }
}

export interface Capture {
  readonly id: string;
  json(): CaptureJson;
  stop(): void;
  readonly done: Promise<CaptureEnd>;
}

/** `hdf5:run/a.h5` → under `<root>/captures/`; an absolute path or one that climbs out is refused. */
function underCaptures(root: string, output: string, i: number): string {
  const at = output.indexOf(':');
  const path = output.slice(at + 1);
  if (isAbsolute(path) || normalize(path).split(/[\\/]/).includes('..')) throw new SessionFileError(WHERE, `to[${i}]`, `must be a path relative to the daemon's captures folder (${join(root, 'captures')}), without ".." (got ${JSON.stringify(path)})`);
  return `${output.slice(0, at)}:${join(root, 'captures', path)}`;
}

/** Routes each camera's frames to its own live feed (the page shows the capture). */
function feedRouter(feeds: Map<string, CaptureSink>): CaptureSink {
  const each = async (fn: (s: CaptureSink) => Promise<void> | undefined): Promise<void> => void (await Promise.all([...feeds.values()].map(fn)));
  return {
    add: async (camera: string, frame: LiveFrame) => feeds.get(camera)?.add(camera, frame),
    lost: async (camera, loss) => feeds.get(camera)?.lost?.(camera, loss),
    finish: () => each((s) => s.finish()),
    abort: () => each((s) => s.abort()),
  };
}

/**
 * The daemon's captures: each from a session document (the same as `omvd capture --session` takes), on the daemon's
 * own connections. A camera belongs to one capture at a time; the outputs are written by the daemon under
 * `<root>/captures/`, or the frames go to the client that asked (`stream`), which writes its own.
 */
export class Captures {
  private seq = 0;
  private readonly all = new Map<string, Capture>();

  constructor(private readonly daemon: Daemon) {}

  list(): CaptureJson[] {
    return [...this.all.values()].map((c) => c.json());
  }

  get(id: string): Capture {
    const c = this.all.get(id);
    if (!c) throw new CaptureNotFoundError(id);
    return c;
  }

  async start(doc: unknown, stream: CaptureSink | null): Promise<Capture> {
    const spec = parseSessionSpec(doc, WHERE);
    if (stream && spec.to.length) throw new SessionFileError(WHERE, 'to', 'is for captures the daemon writes itself; a capture whose frames come to omvd capture is written there');
    if (!stream && spec.to.length === 0) throw new SessionFileError(WHERE, 'to', `is missing: name at least one output, e.g. ["hdf5:run.h5"] (written under ${join(this.daemon.options.root, 'captures')})`);
    const cams = await this.cameras(spec);
    const id = `c${++this.seq}`;
    const reserved: DaemonCamera[] = [];
    let sinks: CaptureSink[] = [];
    try {
      for (const cam of cams) {
        cam.live.reserve(id);
        reserved.push(cam);
      }
      const outputs = stream ? [] : parseOutputs(spec.to.map((o, i) => underCaptures(this.daemon.options.root, o, i)), WHERE);
      await prepareOutputs(outputs, false);
      sinks = stream ? [stream] : await openOutputs(outputs, { tags: spec.tags, meta: { ...this.daemon.options.meta, ...spec.meta }, fps: spec.cameras[0]?.fps ?? 30, ...(spec.hdf5Compression ? { compression: spec.hdf5Compression } : {}) });
      const feeds = new Map<string, CaptureSink>();
      const setups: CameraSetup[] = [];
      for (const [i, cam] of cams.entries()) {
        const { client, sink } = await cam.live.ready(spec.cameras[i]!);
        feeds.set(cam.id!, sink);
        setups.push({ ...spec.cameras[i], port: cam.port, client });
      }
      const capture = this.run(id, spec, setups, outputs, [...sinks, feedRouter(feeds)], cams);
      this.all.set(id, capture);
      return capture;
    } catch (e) {
      for (const s of sinks) await s.abort().catch(() => {});
      for (const cam of reserved) cam.live.release(id);
      throw e;
    }
  }

  /** The daemon's connected cameras on the document's ports, each once. */
  private async cameras(spec: SessionSpec): Promise<DaemonCamera[]> {
    const cams: DaemonCamera[] = [];
    for (const [i, c] of spec.cameras.entries()) {
      const cam = await this.daemon.byPort(resolve(c.port!));
      if (!cam || cam.state !== 'connected') throw new NoSuchCameraError(`on ${c.port}`, [...this.daemon.cameras.values()].filter((x) => x.state === 'connected').map((x) => `${x.id} on ${x.port}`));
      if (cams.includes(cam)) throw new SessionFileError(WHERE, `cameras[${i}].port`, `names camera ${cam.id} a second time`);
      cams.push(cam);
    }
    return cams;
  }

  private run(id: string, spec: SessionSpec, setups: CameraSetup[], outputs: CaptureOutput[], sinks: CaptureSink[], cams: DaemonCamera[]): Capture {
    const { events } = this.daemon;
    const stop = new AbortController();
    const startedAt = new Date().toISOString();
    let endedAt: string | null = null;
    let summary: CaptureDoc | null = null;
    let stopped = false;
    let diskFull: HostDiskError | undefined;
    const rate = new RateMeter();
    const unwatch = outputs.length
      ? watchFreeSpace(outputs.map((o) => join(o.path, '..')), () => rate.perSecond(), (err) => {
          diskFull = err;
          stop.abort();
        })
      : () => {};
    const onDaemonStop = (): void => stop.abort();
    this.daemon.signal.addEventListener('abort', onDaemonStop, { once: true });
    events.emit({ type: 'capture.started', capture: id, cameras: cams.map((c) => c.id!) });
    const begun = Date.now();
    const done = (async (): Promise<CaptureEnd> => {
      let cameras: CameraSummary[] = [];
      let failure: unknown;
      try {
        cameras = await runSession({ cameras: setups, sinks, ...(spec.durationS === undefined ? {} : { durationS: spec.durationS }), ...(spec.frames === undefined ? {} : { frames: spec.frames }), signal: stop.signal, onFrame: (_c, f) => rate.add(f.data.length) });
      } catch (e) {
        failure = e;
        if (e instanceof CaptureFailedError) cameras = e.cameras;
      } finally {
        unwatch();
        this.daemon.signal.removeEventListener('abort', onDaemonStop);
        for (const cam of cams) cam.live.release(id);
      }
      const limited = spec.durationS !== undefined || spec.frames !== undefined;
      summary = captureDoc({ cameras, failure, ...(diskFull ? { diskFull } : {}), signalled: stopped || this.daemon.stopped, limited, seconds: (Date.now() - begun) / 1000, ...(spec.frames === undefined ? {} : { frames: spec.frames }) }, outputs, spec.tags);
      endedAt = new Date().toISOString();
      events.emit({ type: 'capture.finished', capture: id, summary });
      const err = failure as OmvError | undefined;
      return { cameras, ...(failure ? { failure: { code: err?.code ?? 'EINTERNAL', message: err instanceof Error ? err.message : String(failure), afterFrames: failure instanceof CaptureFailedError } } : {}) };
    })();
    return {
      id,
      done,
      stop: () => {
        stopped = true;
        stop.abort();
      },
      json: () => ({ id, state: summary ? 'finished' : 'running', startedAt, endedAt, cameras: cams.map((c) => ({ camera: c.id!, port: c.port })), outputs, summary }),
    };
  }
}

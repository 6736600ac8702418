import { OmvError } from '../../protocol/errors.js';
import { connectCamera } from '../discovery/connect.js';
import { cameraCommand } from '../sync/ctl.js';
import { V2Client, type ClientOptions, type ClientStats } from '../v2/client.js';
import type { ByteLink } from '../v2/link.js';
import { CameraLostError, followLive, type LiveFrame } from './live.js';
import type { CaptureSink } from './sinks.js';
import { AsyncQueue } from '../writers/async-queue.js';

export const PIXFORMATS = ['GRAYSCALE', 'RGB565', 'JPEG'] as const;
export const FRAMESIZES = ['QQQVGA', 'QQVGA', 'HQVGA', 'QVGA', 'HVGA', 'VGA'] as const;

export interface CameraSetup {
  /** A serial port path, or an already open link (e.g. a VirtualCamera's). */
  port?: string;
  link?: ByteLink;
  /** A connected client the session borrows and leaves open (the daemon's connection to the camera). */
  client?: V2Client;
  pixformat?: (typeof PIXFORMATS)[number];
  framesize?: (typeof FRAMESIZES)[number];
  fps?: number;
  /** Slots of the camera's live ring: how far the host may fall behind before frames are lost. Default 16. */
  liveSlots?: number;
  /** Fixed exposure (µs) and gain (dB) where the sensor allows them; absent = automatic. */
  exposureUs?: number;
  gainDb?: number;
}

export interface SessionOptions {
  cameras: CameraSetup[];
  sinks: CaptureSink[];
  /** Stop after this many seconds (host clock). */
  durationS?: number;
  /** Stop each camera after this many frames. */
  frames?: number;
  signal?: AbortSignal;
  /** How the cameras are connected to (the link policy every command shares, and the logger). */
  client?: ClientOptions;
  /** Every frame, in order per camera, after the sinks have it; a slow callback slows the host down (and may cost frames). */
  onFrame?: (camera: string, frame: LiveFrame) => void | Promise<void>;
}

export interface CameraSummary {
  camera: string;
  /** The serial port, when the camera was opened by port. */
  port?: string;
  frames: number;
  dropped: number;
  bytes: number;
  /** Frames per second the host received. */
  fps: number;
  /** What the link went through during the capture. */
  link?: ClientStats;
  /** Set when the camera went away (or stopped answering properly) before the session ended. */
  lost?: CameraLoss;
  /** What the sensor runs at, as the camera read it back (`fps`, `exposure_us`, `gain_db`, …). */
  controls?: Record<string, unknown>;
  /** Settings the camera could not apply or confirm, in its words (a sensor without gain control, say). */
  warnings?: string[];
}

/** The sensor's report in a `record` reply: what it runs at and what it could not confirm. */
export function sensorReport(reply: Record<string, unknown>): Pick<CameraSummary, 'controls' | 'warnings'> {
  const controls = reply.controls;
  const warnings = Array.isArray(reply.warnings) ? reply.warnings.filter((w): w is string => typeof w === 'string').map((w) => w.slice(0, 500)) : [];
  return {
    ...(controls && typeof controls === 'object' && !Array.isArray(controls) ? { controls: controls as Record<string, unknown> } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}

/** When and why a camera went away during a session. */
export interface CameraLoss {
  /** Host epoch seconds when the host noticed. */
  at: number;
  code: string;
  error: string;
  /** The sequence number of the last frame received, or null if none was. */
  lastFrame: number | null;
  /** Frames the camera had taken that never reached the host (also stored as missing by the sinks). */
  missingAfter: number[];
}

export class SessionError extends OmvError {
  constructor(message: string) {
    super('ESESSION', message);
  }
}

/**
 * A session that could not go on (a sink failed, say, on a full disk): `code` and message are the cause's; the sinks
 * were closed with the frames they had, and `cameras` says how far each camera got.
 */
export class CaptureFailedError extends OmvError {
  constructor(
    cause: unknown,
    readonly cameras: CameraSummary[],
  ) {
    const errno = (cause as { code?: unknown } | null)?.code;
    super(cause instanceof OmvError ? cause.code : typeof errno === 'string' && /^E[A-Z]+$/.test(errno) ? errno : 'EINTERNAL', cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

interface Open {
  client: V2Client;
  id: string;
  port?: string;
  close(): Promise<void>;
}

/** The ctl `record` fields for a camera's sensor settings. */
export function sensorSettings(s: CameraSetup): Record<string, unknown> {
  return {
    pixformat: s.pixformat ?? 'GRAYSCALE',
    framesize: s.framesize ?? 'QVGA',
    fps: s.fps ?? 30,
    ...(s.exposureUs === undefined ? {} : { exposure_us: s.exposureUs }),
    ...(s.gainDb === undefined ? {} : { gain_db: s.gainDb }),
  };
}

async function open(setup: CameraSetup, options: ClientOptions): Promise<Open> {
  if (setup.client) return { client: setup.client, id: setup.client.camera.sysInfo.uniqueId, ...(setup.port === undefined ? {} : { port: setup.port }), close: async () => {} };
  if (setup.link) {
    const client = new V2Client(setup.link, options);
    await client.connect();
    return { client, id: client.camera.sysInfo.uniqueId, close: async () => client.close() };
  }
  if (!setup.port) throw new SessionError('each camera needs a port (or a link)');
  const conn = await connectCamera(setup.port, options);
  return { client: conn.client, id: conn.client.camera.sysInfo.uniqueId, port: setup.port, close: () => conn.close() };
}

const gone = (e: unknown): boolean => e instanceof OmvError && (e.code === 'ECLOSED' || e.code === 'ETIMEDOUT');

/**
 * A capture session: every camera records into its live ring (not its SD card) at the given settings, the host
 * follows the rings and hands each frame, in order, with its camera time and the shared host time, to the sinks.
 * Frames a ring overwrote before the host read them are counted and recorded as missing. Ends on the duration, the
 * frame count or the signal.
 *
 * A camera that goes away mid-session (CameraLostError) ends only its own part: its sinks are told when and why
 * (`lost`), its summary has `lost`, and the other cameras go on to the end. Anything else that fails (a sink, the
 * disk) stops every camera. Either way the sinks are finished with the frames they received, so nothing captured is
 * discarded; only a session that fails or is stopped before its first frame aborts them (a failure is then thrown
 * as it is). A failure after frames arrived is thrown as a CaptureFailedError carrying the summaries.
 */
export async function runSession(options: SessionOptions): Promise<CameraSummary[]> {
  if (options.cameras.length === 0) throw new SessionError('a session needs at least one camera');
  if (options.durationS === undefined && options.frames === undefined && !options.signal) throw new SessionError('give a duration, a frame count or a stop signal, or the capture would never end');
  const opened: Open[] = [];
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let summaries: CameraSummary[] = [];
  let reached = false;
  let failure: { error: unknown } | undefined;
  try {
    for (const setup of options.cameras) opened.push(await open(setup, options.client ?? {}));
    const ids = opened.map((o) => o.id);
    if (new Set(ids).size !== ids.length) throw new SessionError(`the same camera was given twice (${ids.join(', ')})`);
    const sensors: Pick<CameraSummary, 'controls' | 'warnings'>[] = [];
    for (const [i, o] of opened.entries()) {
      const s = options.cameras[i]!;
      await cameraCommand(o.client, { cmd: 'clock', epoch_ms: Date.now() });
      sensors.push(sensorReport(await cameraCommand(o.client, { cmd: 'record', to: 'memory', live_slots: s.liveSlots ?? 16, ...sensorSettings(s), duration_s: null })));
    }
    const start = Date.now();
    const deadline = options.durationS === undefined ? Infinity : start + options.durationS * 1000;
    summaries = opened.map((o, i) => ({ camera: o.id, ...(o.port === undefined ? {} : { port: o.port }), frames: 0, dropped: 0, bytes: 0, fps: 0, ...sensors[i] }));
    const follow = async (o: Open, sum: CameraSummary): Promise<void> => {
      const stopAfter = (): boolean => Date.now() >= deadline || (options.frames !== undefined && sum.frames >= options.frames);
      let last: number | null = null;
      try {
        for await (const frame of followLive(o.client, { signal: stop.signal, stopAfter })) {
          sum.frames++;
          sum.dropped += frame.missedBefore.length;
          sum.bytes += frame.data.length;
          last = frame.seq;
          reached = true;
          for (const sink of options.sinks) await sink.add(o.id, frame);
          await options.onFrame?.(o.id, frame);
        }
        await cameraCommand(o.client, { cmd: 'stop' }).catch((e: unknown) => {
          if (!gone(e)) throw e; // went away just at the end: every frame it sent is in
        });
      } catch (e) {
        if (!(e instanceof CameraLostError)) {
          stop.abort();
          throw e;
        }
        sum.lost = { at: Date.now() / 1000, code: e.code, error: e.message, lastFrame: last, missingAfter: e.missing };
        sum.dropped += e.missing.length;
        reached = true;
        try {
          for (const sink of options.sinks) await sink.lost?.(o.id, sum.lost);
        } catch (err) {
          stop.abort();
          throw err;
        }
      } finally {
        sum.fps = sum.frames / Math.max(1e-3, (Date.now() - start) / 1000);
        sum.link = o.client.stats;
      }
    };
    const results = await Promise.allSettled(opened.map((o, i) => follow(o, summaries[i]!)));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) failure = { error: rejected.reason };
  } catch (e) {
    failure = { error: e };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const o of opened) await o.close().catch(() => {});
  }
  for (const sink of options.sinks) {
    try {
      if (reached || (!failure && !stop.signal.aborted)) await sink.finish();
      else await sink.abort();
    } catch (e) {
      failure ??= { error: e };
    }
  }
  if (failure) throw reached ? new CaptureFailedError(failure.error, summaries) : failure.error;
  return summaries;
}

/**
 * The frames of a session as an async iterable, for users who want them in their own code: `for await (const
 * { camera, frame } of captureFrames({ cameras, durationS: 10 }))`. A consumer slower than the cameras holds the
 * host back (a bounded queue), and frames the rings overwrite meanwhile are reported in `frame.missedBefore`.
 * Leaving the loop early stops the cameras.
 */
export async function* captureFrames(options: Omit<SessionOptions, 'onFrame' | 'sinks'> & { sinks?: CaptureSink[] }): AsyncGenerator<{ camera: string; frame: LiveFrame }> {
  const queue = new AsyncQueue<{ camera: string; frame: LiveFrame }>(8);
  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = (): void => stop.abort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const run = runSession({ ...options, sinks: options.sinks ?? [], signal: stop.signal, onFrame: (camera, frame) => queue.put({ camera, frame }) }).then(
    () => queue.close(),
    (e: unknown) => queue.fail(e),
  );
  try {
    yield* queue;
  } finally {
    stop.abort();
    outer?.removeEventListener('abort', onOuterAbort);
    for (let r = await queue.take(); !r.done; r = await queue.take()) void r; // let a blocked put finish
    await run;
  }
}

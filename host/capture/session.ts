import { OmvError } from '../../protocol/errors.js';
import { connectCamera } from '../discovery/connect.js';
import { cameraCommand } from '../sync/ctl.js';
import { V2Client, type ClientOptions, type ClientStats } from '../v2/client.js';
import type { ByteLink } from '../v2/link.js';
import { followLive, type LiveFrame } from './live.js';
import type { CaptureSink } from './sinks.js';
import { AsyncQueue } from '../writers/async-queue.js';

export const PIXFORMATS = ['GRAYSCALE', 'RGB565', 'JPEG'] as const;
export const FRAMESIZES = ['QQQVGA', 'QQVGA', 'HQVGA', 'QVGA', 'HVGA', 'VGA'] as const;

export interface CameraSetup {
  /** A serial port path, or an already open link (e.g. a VirtualCamera's). */
  port?: string;
  link?: ByteLink;
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
  frames: number;
  dropped: number;
  bytes: number;
  /** Frames per second the host received. */
  fps: number;
  /** What the link went through during the capture. */
  link?: ClientStats;
}

export class SessionError extends OmvError {
  constructor(message: string) {
    super('ESESSION', message);
  }
}

interface Open {
  client: V2Client;
  id: string;
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
  if (setup.link) {
    const client = new V2Client(setup.link, options);
    await client.connect();
    return { client, id: client.camera.sysInfo.uniqueId, close: async () => client.close() };
  }
  if (!setup.port) throw new SessionError('each camera needs a port (or a link)');
  const conn = await connectCamera(setup.port, options);
  return { client: conn.client, id: conn.client.camera.sysInfo.uniqueId, close: () => conn.close() };
}

/**
 * A capture session: every camera records into its live ring (not its SD card) at the given settings, the host
 * follows the rings and hands each frame, in order, with its camera time and the shared host time, to the sinks.
 * Frames a ring overwrote before the host read them are counted and recorded as missing. Ends on the duration, the
 * frame count or the signal; each camera's recording is stopped and the sinks are finished (or aborted on error).
 */
export async function runSession(options: SessionOptions): Promise<CameraSummary[]> {
  if (options.cameras.length === 0) throw new SessionError('a session needs at least one camera');
  if (options.durationS === undefined && options.frames === undefined && !options.signal) throw new SessionError('give a duration, a frame count or a stop signal, or the capture would never end');
  const opened: Open[] = [];
  try {
    for (const setup of options.cameras) opened.push(await open(setup, options.client ?? {}));
    const ids = opened.map((o) => o.id);
    if (new Set(ids).size !== ids.length) throw new SessionError(`the same camera was given twice (${ids.join(', ')})`);
    for (const [i, o] of opened.entries()) {
      const s = options.cameras[i]!;
      await cameraCommand(o.client, { cmd: 'clock', epoch_ms: Date.now() });
      await cameraCommand(o.client, { cmd: 'record', to: 'memory', live_slots: s.liveSlots ?? 16, ...sensorSettings(s), duration_s: null });
    }
    const start = Date.now();
    const deadline = options.durationS === undefined ? Infinity : start + options.durationS * 1000;
    const summaries = await Promise.all(
      opened.map(async (o): Promise<CameraSummary> => {
        const sum: CameraSummary = { camera: o.id, frames: 0, dropped: 0, bytes: 0, fps: 0 };
        const stopAfter = (): boolean => Date.now() >= deadline || (options.frames !== undefined && sum.frames >= options.frames);
        for await (const frame of followLive(o.client, { ...(options.signal ? { signal: options.signal } : {}), stopAfter })) {
          sum.frames++;
          sum.dropped += frame.missedBefore.length;
          sum.bytes += frame.data.length;
          for (const sink of options.sinks) await sink.add(o.id, frame);
          await options.onFrame?.(o.id, frame);
        }
        await cameraCommand(o.client, { cmd: 'stop' });
        sum.fps = sum.frames / Math.max(1e-3, (Date.now() - start) / 1000);
        sum.link = o.client.stats;
        return sum;
      }),
    );
    for (const sink of options.sinks) await sink.finish();
    return summaries;
  } catch (e) {
    for (const sink of options.sinks) await sink.abort().catch(() => {});
    throw e;
  } finally {
    for (const o of opened) await o.close().catch(() => {});
  }
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

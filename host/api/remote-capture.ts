import { OmvError } from '../../protocol/errors.js';
import type { IncomingMessage } from 'node:http';
import type { LiveFrame } from '../capture/live.js';
import { CaptureFailedError, type CameraSetup, type CameraSummary } from '../capture/session.js';
import { CAMERA_FIELDS, type CameraField, type SessionSpec } from '../capture/session-file.js';
import type { CaptureSink } from '../capture/sinks.js';
import type { CaptureJson } from '../daemon/captures.js';
import { DaemonGoneError, type DaemonClient } from './client.js';
import { FRAMES_TYPE, readFrames } from './frames.js';

/** The session document (as `omvd capture --session` reads it) for these cameras, without outputs: the frames come back. */
export function sessionDocument(cameras: CameraSetup[], spec: Pick<SessionSpec, 'durationS' | 'frames' | 'tags'>): Record<string, unknown> {
  const camera = (c: CameraSetup): Record<string, unknown> => {
    const out: Record<string, unknown> = { port: c.port };
    for (const [field, f] of Object.entries(CAMERA_FIELDS) as [CameraField, (typeof CAMERA_FIELDS)[CameraField]][]) {
      const value = (c as Record<string, unknown>)[f.key];
      if (value !== undefined) out[field] = value;
    }
    return out;
  };
  return { cameras: cameras.map(camera), ...(spec.durationS === undefined ? {} : { duration: spec.durationS }), ...(spec.frames === undefined ? {} : { frames: spec.frames }), tags: spec.tags };
}

export interface RemoteCaptureOptions {
  sinks: CaptureSink[];
  signal: AbortSignal;
  onStarted?(capture: CaptureJson): void;
  onFrame?(camera: string, frame: LiveFrame): void;
}

/**
 * A capture the daemon runs on its own connections, whose frames come back here to this process's sinks: what
 * runSession is for a port opened directly, with the same outcome (the cameras' summaries; a CaptureFailedError
 * once frames were taken, the cause itself before). `signal` asks the daemon to stop it; the frames sent until then
 * still arrive. A sink that fails stops the capture the same way.
 */
export async function captureThroughDaemon(daemon: DaemonClient, doc: Record<string, unknown>, o: RemoteCaptureOptions): Promise<CameraSummary[]> {
  let res: IncomingMessage;
  try {
    res = await refusedOrStream(daemon, doc);
  } catch (e) {
    for (const sink of o.sinks) await sink.abort().catch(() => {}); // as runSession does when no camera could start
    throw e;
  }
  return follow(daemon, res, o);
}

/** The capture's frame stream, or the daemon's refusal (a busy camera, a wrong document) thrown with its code. */
async function refusedOrStream(daemon: DaemonClient, doc: Record<string, unknown>): Promise<IncomingMessage> {
  const res = await daemon.open('POST', '/api/v1/captures', doc, { accept: FRAMES_TYPE });
  if (!(res.headers['content-type'] ?? '').startsWith(FRAMES_TYPE)) {
    let text = '';
    for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    const body = (() => {
      try {
        return JSON.parse(text) as { error?: { code?: string; message?: string } };
      } catch {
        return {};
      }
    })();
    throw new OmvError(body.error?.code ?? 'EDAEMON', body.error?.message ?? `the daemon on ${daemon.socket} refused the capture (HTTP ${res.statusCode})`);
  }
  return res;
}

/** Feeds the stream's frames to the sinks, and finishes them as runSession would have. */
async function follow(daemon: DaemonClient, res: IncomingMessage, o: RemoteCaptureOptions): Promise<CameraSummary[]> {
  let id: string | null = null;
  let sinkFailure: unknown;
  let stopAsked = false;
  const stop = (): void => {
    if (stopAsked || id === null) return;
    stopAsked = true;
    void daemon.json('POST', `/api/v1/captures/${id}/stop`).catch(() => {}); // it may have ended by itself meanwhile
  };
  o.signal.addEventListener('abort', stop, { once: true });
  let end: { cameras: CameraSummary[]; failure?: { code: string; message: string; afterFrames: boolean } } | null = null;
  let frames = 0;
  let broken: OmvError | undefined;
  try {
    for await (const record of readFrames(res)) {
      if (record.type === 'started') {
        id = record.capture.id;
        o.onStarted?.(record.capture);
        if (o.signal.aborted) stop();
      } else if (record.type === 'frame') {
        frames++;
        if (sinkFailure !== undefined) continue;
        try {
          for (const sink of o.sinks) await sink.add(record.camera, record.frame);
          o.onFrame?.(record.camera, record.frame);
        } catch (e) {
          sinkFailure = e;
          stop();
        }
      } else if (record.type === 'lost') {
        if (sinkFailure === undefined) for (const sink of o.sinks) await sink.lost?.(record.camera, record.loss);
      } else end = record.end;
    }
  } catch (e) {
    broken = e instanceof OmvError ? e : new DaemonGoneError(daemon.socket, (e as Error).message);
  } finally {
    o.signal.removeEventListener('abort', stop);
  }
  const remote = end?.failure ? new OmvError(end.failure.code, end.failure.message) : undefined;
  const failure = sinkFailure ?? remote ?? broken ?? (end ? undefined : new DaemonGoneError(daemon.socket, 'the capture\'s frame stream ended before the capture did'));
  const reached = frames > 0 || (end?.failure?.afterFrames ?? false);
  for (const sink of o.sinks) {
    if (reached || (!failure && !o.signal.aborted)) await sink.finish();
    else await sink.abort();
  }
  if (failure) throw reached && end ? new CaptureFailedError(failure, end.cameras) : failure;
  return end!.cameras;
}

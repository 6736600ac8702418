import { captureError, stoppedBy, type CaptureRun, type StoppedBy } from '../capture/outcome.js';
import type { CaptureOutput } from '../capture/outputs.js';
import type { CameraSummary } from '../capture/session.js';
import type { TagValue } from '../capture/session-file.js';

/** A finished capture as `omvd capture --json` prints it (and the API's capture resource holds it). */
export interface CaptureDoc {
  ok: boolean;
  error?: { code: string; message: string };
  stoppedBy: StoppedBy;
  seconds: number;
  outputs: CaptureOutput[];
  cameras: CameraSummary[];
  tags: Record<string, TagValue>;
}

export function captureDoc(run: CaptureRun, outputs: CaptureOutput[], tags: Record<string, TagValue>): CaptureDoc {
  const error = captureError(run);
  return { ok: !error, ...(error ? { error: { code: error.code, message: error.message } } : {}), stoppedBy: stoppedBy(run), seconds: Number(run.seconds.toFixed(3)), outputs, cameras: run.cameras, tags };
}

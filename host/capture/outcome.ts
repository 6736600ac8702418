import { OmvError } from '../../protocol/errors.js';
import type { CameraSummary } from './session.js';
import { describeLoss } from './sink.js';

export type StoppedBy = 'duration' | 'frames' | 'signal' | 'disk' | 'error' | 'cameras';

export interface CaptureRun {
  cameras: CameraSummary[];
  /** What made the session fail (a sink, the disk), if anything. */
  failure?: unknown;
  /** The disk watcher's stop, if it stopped the capture. */
  diskFull?: OmvError;
  /** Ctrl-C or SIGTERM arrived. */
  signalled: boolean;
  /** A duration or frame count was given, so a signal cut the capture short (without one, a signal is its end). */
  limited: boolean;
  seconds: number;
  frames?: number;
}

/** Why the capture stopped, as the summary states it. */
export function stoppedBy(run: CaptureRun): StoppedBy {
  if (run.failure) return 'error';
  if (run.diskFull) return 'disk';
  if (run.signalled) return 'signal';
  if (run.cameras.length && run.cameras.every((c) => c.lost)) return 'cameras';
  return run.frames !== undefined && run.cameras.filter((c) => !c.lost).every((c) => c.frames >= run.frames!) ? 'frames' : 'duration';
}

/**
 * The one error a capture ends with, most serious first: a failure (the disk, a sink), a full disk, cameras that
 * went away (all: the first one's code; some: EPARTIAL), an interruption before the capture's end (EINTERRUPTED).
 * Undefined when everything asked for was done.
 */
export function captureError(run: CaptureRun): OmvError | undefined {
  if (run.failure) return run.failure instanceof OmvError ? run.failure : new OmvError('EINTERNAL', run.failure instanceof Error ? run.failure.message : String(run.failure), { cause: run.failure });
  if (run.diskFull) return run.diskFull;
  const lost = run.cameras.filter((c) => c.lost);
  if (lost.length) {
    const told = lost.map((c) => describeLoss(c.camera, c.lost!)).join('; ');
    if (lost.length === run.cameras.length) return new OmvError(lost[0]!.lost!.code, `${told}; the outputs hold every frame received until then`);
    return new OmvError('EPARTIAL', `${lost.length} of ${run.cameras.length} cameras went away: ${told}; the other cameras captured to the end`);
  }
  if (run.signalled && run.limited) return new OmvError('EINTERRUPTED', `stopped by a signal (Ctrl-C) after ${run.seconds.toFixed(1)} s, before its end; the outputs hold every frame received until then`);
  return undefined;
}

import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskError } from '../writers/disk.js';
import type { StreamLoss } from './frame.js';

/** A camera's sensor, group or file in an output of several cameras. */
export const group = (camera: string): string => `cam_${camera}`;
/** Frames converted at once per sink: enough to keep sharp's threads busy while the host reads on. */
export const PIPELINE_DEPTH = 8;

/** "92-94, 97": sequence numbers as ranges. */
export function ranges(seqs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j]! + 1) j++;
    out.push(i === j ? `${seqs[i]}` : `${seqs[i]}-${seqs[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** One sentence for a person: when and why the camera went away, and what never arrived. */
export function describeLoss(camera: string, loss: StreamLoss): string {
  const after = loss.lastFrame === null ? 'before its first frame' : `after frame ${loss.lastFrame}`;
  const missing = loss.missingAfter.length ? `; frames ${ranges(loss.missingAfter)} it had taken never arrived` : '';
  return `camera ${camera} went away at ${new Date(loss.at * 1000).toISOString()} ${after} (${loss.code}: ${loss.error})${missing}`;
}

/** Renames a finished `<dir>.part` folder into place, replacing `dir` (there only when replacing was asked for). */
export async function publishDir(part: string, dir: string, elsewhere: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    await rename(part, dir);
  } catch (err) {
    throw await diskError(err, dirname(dir), `publishing ${dir}`, elsewhere);
  }
}

/** Runs `step`, turning a failure of the disk under `dir` into a HostDiskError that says so (and what to do). */
export async function onDisk<T>(dir: string, what: string, elsewhere: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw await diskError(err, dir, what, elsewhere);
  }
}

/** Runs each step, even after one failed, and throws the first failure (as a disk error where it is one). */
export async function allSteps(dir: string, what: string, elsewhere: string, steps: (() => unknown)[]): Promise<void> {
  let failure: { err: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure) throw await diskError(failure.err, dir, what, elsewhere);
}

import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskError } from '../writers/disk.js';
import { RecordLog } from '../writers/records.js';
import type { TagValue } from './session-file.js';
import { allSteps, onDisk, ELSEWHERE, type CaptureSink } from './sink.js';

/**
 * A JSON Lines record log: a header (`writer`, `started`, `tags`), one record per frame (its fields and bytes), one
 * per missed frame, and one when a camera went away. Written as `<path>.part` and renamed into place at the end.
 */
export async function recordsCaptureSink(path: string, tags: Record<string, TagValue> = {}): Promise<CaptureSink> {
  const part = `${path}.part`;
  const log = new RecordLog(part);
  try {
    await log.write({ writer: 'omvd capture', started: Date.now() / 1000, tags });
  } catch (err) {
    throw await diskError(err, dirname(path), `creating ${part}`, ELSEWHERE);
  }
  return {
    add: (camera, f) =>
      onDisk(dirname(path), `writing ${path}`, async () => {
        for (const seq of f.missedBefore) await log.append({ camera, seq, missing: true });
        await log.append({ camera, seq: f.seq, camera_ms: f.cameraMs, host_time: f.hostTime, width: f.width, height: f.height, pixformat: f.pixformat, data: f.data });
      }),
    lost: (camera, loss) =>
      onDisk(dirname(path), `writing ${path}`, async () => {
        for (const seq of loss.missingAfter) await log.append({ camera, seq, missing: true });
        await log.append({ camera, lost: true, at: loss.at, code: loss.code, error: loss.error, last_frame: loss.lastFrame });
      }),
    finish: () => allSteps(dirname(path), `writing ${path}`, [() => rename(part, path)]),
    abort: () => rm(part, { force: true }),
  };
}

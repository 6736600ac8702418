import { rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { RecordLog, type RecordObject } from '../writers/records.js';
import { CameraClock } from './camera-clock.js';
import type { DatasetInfo, DatasetSink } from './frame.js';
import { relativeSource, SOURCE_HASH } from './provenance.js';
import { allSteps, onDisk } from './sink.js';

/**
 * A JSON Lines record log: a header (`writer`, `started`, `tags`, the user's `meta`, and for an export the recording:
 * `recording`, `source`, `source_sha256`, `start_time`, `frames`), then one record per frame (`camera`, `seq`,
 * `camera_ms`, `elapsed_ms`, `host_time`, `width`, `height`, `pixformat`, `byte_swapped`, and the stored bytes as
 * `data`), one per missed frame (`missing: true`), and one when a camera went away (`lost: true`). Written as
 * `<path>.part` and renamed into place at the end.
 */
export async function recordsSink(path: string, info: DatasetInfo): Promise<DatasetSink> {
  const log = new RecordLog(`${path}.part`);
  const source = info.source;
  const header: RecordObject = {
    writer: info.writer,
    started: Date.now() / 1000,
    tags: { ...info.tags },
    meta: Object.fromEntries(Object.entries(info.meta).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    ...(source ? { recording: basename(source.path), source: relativeSource(source.path, path), [SOURCE_HASH.records]: source.sha256, start_time: source.startTime, frames: source.frames } : {}),
  };
  await onDisk(dirname(path), `creating ${log.path}`, info.elsewhere, () => log.write(header));
  const clocks = new Map<string, CameraClock>();
  const on = (step: () => Promise<void>): Promise<void> => onDisk(dirname(path), `writing ${path}`, info.elsewhere, step);
  return {
    add: (camera, f) =>
      on(async () => {
        const clock = clocks.get(camera) ?? clocks.set(camera, new CameraClock()).get(camera)!;
        const elapsed = clock.tick(f);
        for (const seq of f.missedBefore) await log.append({ camera, seq, missing: true });
        await log.append({
          camera, seq: f.seq, camera_ms: f.cameraMs, elapsed_ms: elapsed, host_time: f.hostTime, width: f.width, height: f.height,
          pixformat: decodePixformat(f.pixformat).name, byte_swapped: f.byteSwapped ?? false, data: f.data,
        });
      }),
    lost: (camera, loss) =>
      on(async () => {
        for (const seq of loss.missingAfter) await log.append({ camera, seq, missing: true });
        await log.append({ camera, lost: true, at: loss.at, code: loss.code, error: loss.error, last_frame: loss.lastFrame });
      }),
    finish: () => allSteps(dirname(path), `writing ${path}`, info.elsewhere, [() => rename(log.path, path)]),
    abort: () => rm(log.path, { force: true }),
  };
}

import { rename, rm } from 'node:fs/promises';
import { decodePixformat } from '../../protocol/imageio/pixformat.js';
import { RecordLog } from '../writers/records.js';
import { SOURCE_HASH } from './provenance.js';
import type { ExportFrame, RecordingInfo, Sink } from './sink.js';

/** A JSON Lines record log: one record per frame with its fields and stored bytes, plus a first header record. */
export async function recordsSink(output: string, info: RecordingInfo): Promise<Sink> {
  const log = new RecordLog(`${output}.part`);
  await log.write({ recording: info.name, source: info.source, [SOURCE_HASH.records]: info.sha256, start_time: info.startTime, fps: info.fps, frames: info.frames });
  return {
    output,
    async add({ entry, data, time }: ExportFrame) {
      await log.append({
        frame: entry.index,
        time: info.startTime + time,
        elapsed_ms: entry.elapsedMs,
        width: entry.width,
        height: entry.height,
        pixformat: decodePixformat(entry.pixformat).name,
        byte_swapped: entry.byteSwapped,
        data,
      });
      return undefined;
    },
    finish: () => rename(log.path, output),
    abort: () => rm(log.path, { force: true }),
  };
}

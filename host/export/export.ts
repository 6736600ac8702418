import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { FormatError, OmvError } from '../../protocol/errors.js';
import { frameTimesMs } from '../../protocol/imageio/indexer.js';
import type { DatasetInfo, DatasetSink } from '../datasets/frame.js';
import type { Meta } from '../datasets/meta.js';
import { recordsSink } from '../datasets/sink-records.js';
import { rtdcSink } from '../datasets/sink-rtdc.js';
import { traceSink } from '../datasets/sink-trace.js';
import { videoSink } from '../datasets/sink-video.js';
import { describeDamage, RecordingFile } from '../recordings/recording-file.js';
import { readManifest } from '../sync/manifest.js';
import { diskError } from '../writers/disk.js';
import type { Hdf5Compression } from '../writers/hdf5/compression.js';
import { recordedSource, sha256File } from './provenance.js';
import { checkSpace, ELSEWHERE } from './space.js';

export const EXPORT_FORMATS = ['hdf5', 'blob', 'raw', 'video', 'records'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** What a recording becomes when no format is named: a roverd trace with JPEG blobs, and an .rtdc HDF5 file. */
export const DEFAULT_EXPORT_FORMATS: readonly ExportFormat[] = ['blob', 'hdf5'];

type Opener = (output: string, info: DatasetInfo, options: ExportOptions) => Promise<DatasetSink>;
const SINKS: Record<ExportFormat, { output: (dir: string, stem: string) => string; open: Opener }> = {
  hdf5: { output: (dir, stem) => join(dir, `${stem}.rtdc`), open: (out, info) => rtdcSink(out, { ...info, keepColour: true }) },
  blob: { output: (dir, stem) => join(dir, stem), open: (out, info, o) => traceSink(out, info, { video: o.traceVideo ?? true }) },
  raw: { output: (dir, stem) => join(dir, `${stem}-raw`), open: (out, info) => traceSink(out, info, { pixels: 'raw' }) },
  video: { output: (dir, stem) => join(dir, `${stem}.avi`), open: videoSink },
  records: { output: (dir, stem) => join(dir, `${stem}.jsonl`), open: recordsSink },
};

export interface ExportOptions {
  to?: readonly ExportFormat[];
  /** Folder for the outputs (default: beside the recording). */
  outDir?: string;
  /** The output itself, for one format (`--out run.h5`): instead of `<outDir>/<name>.<ext>`. */
  outFile?: string;
  /** Unix epoch seconds of the first frame. ImageIO stores only frame intervals, so by default the last frame is
   * taken to have been written at the file's modification time. */
  startTime?: number;
  /** Replace outputs that already exist, even complete ones (only once the new ones are complete). */
  force?: boolean;
  /** The SHA-256 the recording is known by (a sync manifest's): a file that no longer has it is refused (EHASH). */
  sha256?: string;
  onProgress?: (done: number, total: number) => void;
  /** `blob` traces also get `camera/video.avi`, roverd's `mjpg` channel, which its Camera sensor reads (default true). */
  traceVideo?: boolean;
  /** dclab metadata from the user (`setup:medium`, …) for the HDF5 file, also in the record log's header. */
  meta?: Meta;
  /** HDF5 compression (default gzip). */
  compression?: Hdf5Compression;
  /** Stops the export between frames (EINTERRUPTED); its unfinished outputs are removed. */
  signal?: AbortSignal;
}

export interface ExportOutput {
  format: ExportFormat;
  path: string;
  /** `exported` now, or already `complete` (it records this recording's SHA-256) and left alone. */
  status: 'exported' | 'complete';
  /** Frames written, for an output exported now. */
  frames?: number;
}

/** An output that was not written: it exists and is not an export of this recording (EEXIST), say. */
export interface ExportFailure {
  format: ExportFormat;
  path: string;
  code: string;
  error: string;
}

export interface ExportSummary {
  source: string;
  sha256: string;
  frames: number;
  exported: Partial<Record<ExportFormat, number>>;
  skipped: { format: ExportFormat; frame: number; reason: string }[];
  /** What could not be read: a truncated tail or a corrupt record (every complete frame before it is exported). */
  damage?: string;
  outputs: ExportOutput[];
  failed: ExportFailure[];
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/**
 * Exports every complete frame of one recording to each format. An output that records this recording's SHA-256 is
 * complete and left alone (unless `force`); one that exists otherwise is not replaced without `force` and is listed
 * in `failed`. A recording that cannot be exported at all throws, and removes the outputs it had begun.
 */
export async function exportRecording(given: string, options: ExportOptions = {}): Promise<ExportSummary> {
  const path = resolve(given);
  const formats = [...new Set(options.to ?? DEFAULT_EXPORT_FORMATS)];
  if (options.outFile !== undefined && formats.length !== 1) throw new OmvError('EUSAGE', `an output file (${options.outFile}) takes exactly one format, not ${formats.join(', ')}`);
  const sha256 = await sha256File(path).catch((err: unknown) => {
    throw new OmvError('ENOENT', `cannot read recording ${path}: ${(err as Error).message}`, { cause: err });
  });
  if (options.sha256 !== undefined && options.sha256 !== sha256) {
    throw new OmvError('EHASH', `${path} no longer has the SHA-256 its manifest records (${options.sha256.slice(0, 12)}…, now ${sha256.slice(0, 12)}…): it changed after it was verified; sync it again`);
  }
  const rec = await RecordingFile.open(path);
  const dir = options.outFile === undefined ? (options.outDir ?? dirname(path)) : dirname(options.outFile);
  const sinks: { format: ExportFormat; sink: DatasetSink }[] = [];
  try {
    if (rec.version === undefined) throw new FormatError(`${path} is not an OpenMV ImageIO recording: ${rec.error?.message ?? 'the file is shorter than its 16-byte header'}`);
    const frames = rec.frames;
    if (frames.length === 0) throw new OmvError('EEMPTY', `${path} holds no complete frame${describeDamage(rec) ? ` (${describeDamage(rec)})` : ''}`);
    const times = frameTimesMs(frames);
    const span = ((times.at(-1) as number) - (times[0] as number)) / 1000;
    const startTime = options.startTime ?? (await stat(path)).mtimeMs / 1000 - span;
    const camera = await syncedCamera(path);
    const info: DatasetInfo = {
      writer: 'omvd export',
      cameras: 'one',
      meta: options.meta ?? {},
      tags: {},
      source: { path, sha256, frames: frames.length, startTime },
      ...(camera ? { known: { [camera.id]: camera.board === undefined ? {} : { board: camera.board } } } : {}),
      ...(options.compression ? { compression: options.compression } : {}),
      elsewhere: ELSEWHERE,
      ...(span > 0 ? { nominalFps: (frames.length - 1) / span } : {}),
    };
    const cameraId = camera?.id ?? 'camera';
    const stem = basename(path, extname(path));
    const summary: ExportSummary = { source: path, sha256, frames: frames.length, exported: {}, skipped: [], outputs: [], failed: [] };
    const outputOf = (format: ExportFormat): string => options.outFile ?? SINKS[format].output(dir, stem);
    const todo: ExportFormat[] = [];
    for (const format of formats) {
      const output = outputOf(format);
      if (!options.force && (await exists(output))) {
        const recorded = await recordedSource(format, output);
        if (recorded === sha256) summary.outputs.push({ format, path: output, status: 'complete' });
        else summary.failed.push({ format, path: output, code: 'EEXIST', error: refusal(output, recorded, sha256) });
      } else todo.push(format);
    }
    if (todo.length === 0) return summary;
    await checkSpace(dir, basename(path), frames, todo);
    for (const format of todo) sinks.push({ format, sink: await SINKS[format].open(outputOf(format), info, options) });

    for (const [i, entry] of frames.entries()) {
      if (options.signal?.aborted) throw new OmvError('EINTERRUPTED', `stopped by a signal (Ctrl-C) while exporting ${path}, at frame ${i} of ${frames.length}; its unfinished outputs were removed`);
      const data = await rec.read(i);
      const t = times[i] as number;
      const frame = { seq: entry.index, cameraMs: t, hostTime: startTime + (t - (times[0] as number)) / 1000, width: entry.width, height: entry.height, pixformat: entry.pixformat, data, byteSwapped: entry.byteSwapped, missedBefore: [] };
      for (const { format, sink } of sinks) {
        const reason = await sink.add(cameraId, frame);
        if (reason) summary.skipped.push({ format, frame: i, reason });
        else summary.exported[format] = (summary.exported[format] ?? 0) + 1;
      }
      options.onProgress?.(i + 1, frames.length);
    }
    for (const { format, sink } of sinks) {
      await sink.finish();
      summary.outputs.push({ format, path: outputOf(format), status: 'exported', frames: summary.exported[format] ?? 0 });
    }
    summary.outputs.sort((a, b) => formats.indexOf(a.format) - formats.indexOf(b.format));
    const damage = describeDamage(rec);
    return damage ? { ...summary, damage } : summary;
  } catch (err) {
    for (const { sink } of sinks) await sink.abort().catch(() => undefined);
    throw await diskError(err, dir, `exporting ${basename(path)}`, ELSEWHERE);
  } finally {
    await rec.close();
  }
}

/** The camera a recording came from, when it sits in a sync folder whose manifest lists it (omvd sync puts it there). */
async function syncedCamera(path: string): Promise<{ id: string; board?: string } | undefined> {
  try {
    const manifest = await readManifest(dirname(path), '');
    return manifest.camera.id && Object.hasOwn(manifest.recordings, basename(path)) ? manifest.camera : undefined;
  } catch {
    return undefined; // an unreadable manifest names no camera; the export goes on without
  }
}

function refusal(output: string, recorded: string | undefined, sha256: string): string {
  const what = recorded === undefined ? 'is not an export omvd recorded (it names no source recording)' : `was exported from another recording (SHA-256 ${recorded.slice(0, 12)}…; this one is ${sha256.slice(0, 12)}…)`;
  return `${output} exists and ${what}: pass --force to replace it, or --out another folder`;
}

/** The recordings to export for a path: the file itself, or every `.bin` file in a folder (a synced camera folder). */
export async function recordingsAt(path: string): Promise<string[]> {
  const s = await stat(path).catch((err: unknown) => {
    throw new OmvError('ENOENT', `${path} does not exist`, { cause: err });
  });
  if (!s.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.endsWith('.bin')).sort();
  if (names.length === 0) throw new OmvError('EEMPTY', `${path} holds no .bin recordings`);
  return names.map((n) => join(path, n));
}

import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { FormatError, OmvError } from '../../protocol/errors.js';
import { frameTimesMs } from '../../protocol/imageio/indexer.js';
import { describeDamage, RecordingFile } from '../recordings/recording-file.js';
import { hdf5Sink } from './hdf5-sink.js';
import { recordsSink } from './records-sink.js';
import type { RecordingInfo, Sink } from './sink.js';
import { rawSink, traceSink } from './trace-sink.js';
import { videoSink } from './video-sink.js';

export const EXPORT_FORMATS = ['hdf5', 'blob', 'raw', 'video', 'records'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** What a recording becomes when no format is named: a roverd trace with JPEG blobs, and an .rtdc HDF5 file. */
export const DEFAULT_EXPORT_FORMATS: readonly ExportFormat[] = ['blob', 'hdf5'];

type Opener = (output: string, info: RecordingInfo) => Promise<Sink>;
const SINKS: Record<ExportFormat, { output: (dir: string, stem: string) => string; open: (options: ExportOptions) => Opener }> = {
  hdf5: { output: (dir, stem) => join(dir, `${stem}.rtdc`), open: () => hdf5Sink },
  blob: { output: (dir, stem) => join(dir, stem), open: (o) => traceSink({ video: o.traceVideo ?? false }) },
  raw: { output: (dir, stem) => join(dir, `${stem}-raw`), open: () => rawSink },
  video: { output: (dir, stem) => join(dir, `${stem}.avi`), open: () => videoSink },
  records: { output: (dir, stem) => join(dir, `${stem}.jsonl`), open: () => recordsSink },
};

export interface ExportOptions {
  to?: readonly ExportFormat[];
  /** Folder for the outputs (default: beside the recording). */
  outDir?: string;
  /** Unix epoch seconds of the first frame. ImageIO stores only frame intervals, so by default the last frame is
   * taken to have been written at the file's modification time. */
  startTime?: number;
  /** Replace outputs that already exist (only once the new ones are complete). */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** `blob` traces also get `camera/video.avi`, roverd's `mjpg` channel. */
  traceVideo?: boolean;
}

export interface ExportSummary {
  source: string;
  frames: number;
  exported: Partial<Record<ExportFormat, number>>;
  skipped: { format: ExportFormat; frame: number; reason: string }[];
  /** What could not be read: a truncated tail or a corrupt record (every complete frame before it is exported). */
  damage?: string;
  outputs: { format: ExportFormat; path: string }[];
}

export async function exportRecording(path: string, options: ExportOptions = {}): Promise<ExportSummary> {
  const formats = [...new Set(options.to ?? DEFAULT_EXPORT_FORMATS)];
  const rec = await RecordingFile.open(path);
  const sinks: { format: ExportFormat; sink: Sink }[] = [];
  try {
    if (rec.version === undefined) throw new FormatError(`${path} is not an OpenMV ImageIO recording: ${rec.error?.message ?? 'the file is shorter than its 16-byte header'}`);
    const frames = rec.frames;
    if (frames.length === 0) throw new OmvError('EEMPTY', `${path} holds no complete frame${describeDamage(rec) ? ` (${describeDamage(rec)})` : ''}`);
    const times = frameTimesMs(frames);
    const span = ((times.at(-1) as number) - (times[0] as number)) / 1000;
    const first = frames[0]!;
    const info: RecordingInfo = {
      name: basename(path),
      source: path,
      width: first.width,
      height: first.height,
      pixformat: first.pixformat,
      startTime: options.startTime ?? (await stat(path)).mtimeMs / 1000 - span,
      frames: frames.length,
      fps: span > 0 ? (frames.length - 1) / span : 0,
    };
    const stem = basename(path, extname(path));
    const dir = options.outDir ?? dirname(path);
    for (const format of formats) {
      const output = SINKS[format].output(dir, stem);
      if (!options.force && (await exists(output))) throw new OmvError('EEXIST', `${output} already exists: pass --force to replace it, or --out another folder`);
    }
    for (const format of formats) sinks.push({ format, sink: await SINKS[format].open(options)(SINKS[format].output(dir, stem), info) });

    const summary: ExportSummary = { source: path, frames: frames.length, exported: {}, skipped: [], outputs: [] };
    for (const [i, entry] of frames.entries()) {
      const data = await rec.read(i);
      const time = ((times[i] as number) - (times[0] as number)) / 1000;
      for (const { format, sink } of sinks) {
        const reason = await sink.add({ entry, data, time });
        if (reason) summary.skipped.push({ format, frame: i, reason });
        else summary.exported[format] = (summary.exported[format] ?? 0) + 1;
      }
      options.onProgress?.(i + 1, frames.length);
    }
    for (const { format, sink } of sinks) {
      await sink.finish();
      summary.outputs.push({ format, path: sink.output });
    }
    const damage = describeDamage(rec);
    return damage ? { ...summary, damage } : summary;
  } catch (err) {
    for (const { sink } of sinks) await sink.abort().catch(() => undefined);
    throw err;
  } finally {
    await rec.close();
  }
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { OmvError } from '../../../protocol/errors.js';
import { ConfigError, configPath, loadConfig } from '../../config/config.js';
import { metaFlag } from '../../datasets/meta.js';
import { HDF5_COMPRESSIONS, type Hdf5Compression } from '../../writers/hdf5/compression.js';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS, exportRecording, recordingsAt, type ExportFormat, type ExportSummary } from '../../export/export.js';
import { outTarget, verifiedRecordings, type ExportTarget } from '../../export/targets.js';
import { exitCodeFor } from '../exit-codes.js';

interface Args {
  input?: string;
  missing?: string;
  to?: ExportFormat[];
  out?: string;
  'start-time'?: string;
  force: boolean;
  'trace-video': boolean;
  meta?: string[];
  'hdf5-compression'?: Hdf5Compression;
  json: boolean;
}

/** A recording that could not be exported, or one of its outputs that was not written. */
interface Failed {
  source: string;
  format?: ExportFormat;
  path?: string;
  code: string;
  error: string;
}

function parseStartTime(value: string): number {
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(t)) throw new OmvError('EUSAGE', `--start-time "${value}" is neither epoch seconds nor an ISO 8601 time: give e.g. 2026-11-22T10:00:00Z or 1795341600`);
  return t;
}

/** The one error an export run ends with: none, EPARTIAL (some done), or the failures' own code when nothing was done. */
function runError(done: number, failed: Failed[], recordings: number): OmvError | undefined {
  if (failed.length === 0) return undefined;
  const interrupted = failed.find((f) => f.code === 'EINTERRUPTED');
  if (interrupted) return new OmvError('EINTERRUPTED', interrupted.error);
  const f = failed[0]!;
  const first = `${f.error.includes(f.source) ? f.error : `${f.source}: ${f.error}`}${failed.length > 1 ? ` (and ${failed.length - 1} more, listed in "failed")` : ''}`;
  if (done > 0) return new OmvError('EPARTIAL', `${recordings - done} of ${recordings} recordings could not be exported (or not completely): ${first}`);
  const codes = new Set(failed.map((f) => f.code));
  return new OmvError(codes.size === 1 ? failed[0]!.code : 'EFAILED', first);
}

function printText(s: ExportSummary): void {
  process.stdout.write(`${s.source}: ${s.frames} frames\n`);
  for (const o of s.outputs) process.stdout.write(`  ${o.format.padEnd(7)} → ${o.path} (${o.status === 'complete' ? 'complete already, left alone' : `${o.frames} frames`})\n`);
  for (const f of s.failed) process.stdout.write(`  ${f.format.padEnd(7)} ✗ ${f.error}\n`);
  for (const k of s.skipped) process.stdout.write(`  skipped frame ${k.frame} in ${k.format}: ${k.reason}\n`);
  if (s.damage) process.stdout.write(`  warning: ${s.damage}\n`);
}

export const exportCommand: CommandModule<object, Args> = {
  command: 'export [input]',
  describe: 'Turn ImageIO recordings into datasets (roverd trace, .rtdc HDF5, MJPEG AVI, record log)',
  builder: (y) =>
    y
      .positional('input', { type: 'string', describe: 'a recording (.bin) or a folder of them (e.g. a synced camera folder)' })
      .option('missing', { type: 'string', describe: 'instead of an input: a sync root; exports every verified recording (in a manifest.json) that lacks its datasets, into <root>/<camera>/datasets/' })
      .option('to', {
        type: 'string',
        array: true,
        describe: `formats, any of ${EXPORT_FORMATS.join(', ')} (default: those of the config file ${configPath()}, else ${DEFAULT_EXPORT_FORMATS.join(' + ')}): blob = roverd trace folder with one JPEG per frame; raw = roverd trace <name>-raw/ whose frames are one raw u1 channel of pixels (H×W gray, H×W×3 colour); hdf5 = .rtdc file (dclab/dcnum/h5py); video = MJPEG AVI; records = JSON Lines, one record per frame`,
      })
      .option('out', { type: 'string', describe: 'folder for the outputs, created if missing (default: beside each recording); a file name (run.h5, clip.avi, log.jsonl) for one recording and that one format' })
      .option('start-time', { type: 'string', describe: 'time of the first frame, epoch seconds or ISO 8601 (default: file time minus the recording\'s length)' })
      .option('trace-video', { type: 'boolean', default: true, describe: 'blob traces also get camera/video.avi, roverd\'s mjpg channel (the same JPEGs in an MJPEG AVI), which its Camera sensor and validator expect; --no-trace-video leaves it out' })
      .option('meta', { type: 'string', array: true, describe: 'dclab metadata for the .rtdc files, section:key=value (repeat): your setup, e.g. setup:medium=water "imaging:pixel size=0.34"; over the config file\'s "meta"' })
      .option('hdf5-compression', { type: 'string', choices: HDF5_COMPRESSIONS, describe: 'HDF5 compression (default gzip, which Debian\'s h5py reads without plugins; zstd is dcnum\'s, smaller, and needs hdf5plugin to read)' })
      .option('force', { type: 'boolean', default: false, describe: 'export again and replace outputs that exist, complete ones too (after the new ones are complete)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON line: each recording\'s outputs, and what failed' })
      .example('$0 export cam1/rec_0001.bin', 'writes cam1/rec_0001/ (roverd trace) and cam1/rec_0001.rtdc')
      .example('$0 export omvd-data/CAM --to hdf5 --out datasets/', 'every recording of a synced camera into HDF5; a re-run exports only new ones')
      .example('$0 export --missing omvd-data', 'the datasets every verified recording lacks (e.g. synced with --no-export)') as never,
  handler: async (args) => {
    if ((args.input === undefined) === (args.missing === undefined)) throw new OmvError('EUSAGE', 'give a recording or folder to export, or --missing ROOT, not both (nor neither)');
    if (args.missing !== undefined && args.out !== undefined) throw new OmvError('EUSAGE', '--missing writes each camera\'s datasets into <root>/<camera>/datasets/, as sync does: leave out --out');
    const startTime = args['start-time'] === undefined ? undefined : parseStartTime(args['start-time']);
    const unknown = args.to?.find((f) => !EXPORT_FORMATS.includes(f));
    if (unknown !== undefined) throw new OmvError('EUSAGE', `--to ${unknown}: not a format; give any of ${EXPORT_FORMATS.join(', ')}`);
    const config = await loadConfig();
    const to = args.to ?? config.export.formats;
    const meta = { ...config.meta, ...Object.fromEntries((args.meta ?? []).map((m) => metaFlag(m, (message) => { throw new OmvError('EUSAGE', `--meta ${message}`); }))) };
    if (to.length === 0) throw new ConfigError(configPath(), 'export.formats', 'is empty, and no --to was given: name the formats to export to');
    const input = args.input === undefined ? undefined : resolve(args.input);
    const targets: ExportTarget[] = input === undefined ? await verifiedRecordings(args.missing!) : (await recordingsAt(input)).map((path) => ({ path }));
    const folder = input === undefined || targets.length !== 1 || targets[0]!.path !== input;
    const out: { outDir?: string; outFile?: string } = args.out === undefined ? {} : outTarget(args.out, { path: input ?? args.missing!, folder }, [...new Set(to)]);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    const progress = process.stderr.isTTY && !args.json;
    const recordings: ExportSummary[] = [];
    const failed: Failed[] = [];
    let done = 0;
    for (const target of targets) {
      if (controller.signal.aborted) break;
      try {
        const summary = await exportRecording(target.path, {
          to,
          ...(out.outFile === undefined ? {} : { outFile: out.outFile }),
          ...((target.outDir ?? out.outDir) === undefined ? {} : { outDir: (target.outDir ?? out.outDir)! }),
          ...(target.sha256 === undefined ? {} : { sha256: target.sha256 }),
          ...(startTime === undefined ? {} : { startTime }),
          force: args.force,
          traceVideo: args['trace-video'],
          meta,
          ...(args['hdf5-compression'] ? { compression: args['hdf5-compression'] } : {}),
          signal: controller.signal,
          ...(progress ? { onProgress: (n: number, total: number) => process.stderr.write(`\r${target.path}: ${n}/${total} frames`) } : {}),
        });
        recordings.push(summary);
        failed.push(...summary.failed.map((f) => ({ source: target.path, ...f })));
        if (summary.failed.length === 0) done++;
        if (!args.json) printText(summary);
      } catch (err) {
        if (!(err instanceof OmvError)) throw err;
        failed.push({ source: target.path, code: err.code, error: err.message });
        if (!args.json) process.stdout.write(`${err.message.includes(target.path) ? '' : `${target.path}: `}✗ ${err.message}\n`);
      } finally {
        if (progress) process.stderr.write('\n');
      }
    }
    if (controller.signal.aborted && !failed.some((f) => f.code === 'EINTERRUPTED')) failed.push({ source: targets[recordings.length]?.path ?? targets.at(-1)!.path, code: 'EINTERRUPTED', error: 'stopped by a signal (Ctrl-C) before every recording was exported' });
    const error = runError(done, failed, targets.length);
    if (args.json) {
      const listed = recordings.map(({ failed: _inFailed, ...s }) => s); // each failure is listed once, in "failed"
      process.stdout.write(`${JSON.stringify({ ok: !error, ...(error ? { error: { code: error.code, message: error.message } } : {}), recordings: listed, failed })}\n`);
    }
    else if (error) process.stderr.write(`omvd: ${error.message}\n`);
    if (error) process.exitCode = exitCodeFor(error);
  },
};

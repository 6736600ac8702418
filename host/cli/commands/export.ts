import type { CommandModule } from 'yargs';
import { ConfigError, configPath, loadConfig } from '../../config/config.js';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS, exportRecording, recordingsAt, type ExportFormat, type ExportSummary } from '../../export/export.js';

interface Args {
  input: string;
  to?: ExportFormat[];
  out?: string;
  'start-time'?: string;
  force: boolean;
  'trace-video': boolean;
  json: boolean;
}

function parseStartTime(value: string): number {
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(t)) throw new Error(`--start-time "${value}" is neither epoch seconds nor an ISO date`);
  return t;
}

export const exportCommand: CommandModule<object, Args> = {
  command: 'export <input>',
  describe: 'Turn ImageIO recordings into datasets (roverd trace, .rtdc HDF5, MJPEG AVI, record log)',
  builder: (y) =>
    y
      .positional('input', { type: 'string', demandOption: true, describe: 'a recording (.bin) or a folder of them (e.g. a synced camera folder)' })
      .option('to', {
        type: 'string',
        array: true,
        choices: EXPORT_FORMATS,
        describe: `formats (default: those of the config file ${configPath()}, else ${DEFAULT_EXPORT_FORMATS.join(' + ')}): blob = roverd trace folder with one JPEG per frame; raw = roverd trace <name>-raw/ whose frames are one raw u1 channel of pixels (H×W gray, H×W×3 colour); hdf5 = .rtdc file (dclab/dcnum/h5py); video = MJPEG AVI; records = JSON Lines, one record per frame`,
      })
      .option('out', { type: 'string', describe: 'folder for the outputs (default: beside each recording)' })
      .option('start-time', { type: 'string', describe: 'time of the first frame, epoch seconds or ISO 8601 (default: file time minus the recording\'s length)' })
      .option('trace-video', { type: 'boolean', default: false, describe: 'blob traces also get camera/video.avi (roverd\'s mjpg channel: the same JPEGs in an MJPEG AVI)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace outputs that exist (after the new ones are complete)' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON summary instead of text' })
      .example('$0 export cam1/rec_0001.bin', 'writes cam1/rec_0001/ (roverd trace) and cam1/rec_0001.rtdc')
      .example('$0 export omvd-data/CAM --to hdf5 --out datasets/', 'every recording of a synced camera into HDF5') as never,
  handler: async (args) => {
    const startTime = args['start-time'] === undefined ? undefined : parseStartTime(args['start-time']);
    const to = args.to ?? (await loadConfig()).export.formats;
    if (to.length === 0) throw new ConfigError(configPath(), 'export.formats', 'is empty, and no --to was given: name the formats to export to');
    const progress = process.stderr.isTTY && !args.json;
    const results: ExportSummary[] = [];
    for (const path of await recordingsAt(args.input)) {
      const summary = await exportRecording(path, {
        to,
        ...(args.out === undefined ? {} : { outDir: args.out }),
        ...(startTime === undefined ? {} : { startTime }),
        force: args.force,
        traceVideo: args['trace-video'],
        ...(progress ? { onProgress: (done: number, total: number) => process.stderr.write(`\r${path}: ${done}/${total} frames`) } : {}),
      });
      if (progress) process.stderr.write('\n');
      results.push(summary);
      if (!args.json) {
        process.stdout.write(`${path}: ${summary.frames} frames\n`);
        for (const o of summary.outputs) process.stdout.write(`  ${o.format.padEnd(5)} → ${o.path} (${summary.exported[o.format] ?? 0} frames)\n`);
        for (const s of summary.skipped) process.stdout.write(`  skipped frame ${s.frame} in ${s.format}: ${s.reason}\n`);
        if (summary.damage) process.stdout.write(`  warning: ${summary.damage}\n`);
      }
    }
    if (args.json) process.stdout.write(`${JSON.stringify({ ok: true, recordings: results }, null, 2)}\n`);
  },
};

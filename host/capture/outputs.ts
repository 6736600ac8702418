import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { checkWritable } from '../writers/disk.js';
import { hdf5Sink } from '../datasets/sink-hdf5.js';
import { recordsSink } from '../datasets/sink-records.js';
import { rtdcSink } from '../datasets/sink-rtdc.js';
import { traceSink } from '../datasets/sink-trace.js';
import { videoSink } from '../datasets/sink-video.js';
import { OUTPUT_KINDS, SessionFileError } from './session-file.js';
import { captureInfo, ELSEWHERE, type CaptureDatasetOptions, type CaptureSink } from './sink.js';

export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** One output of a capture, and how it ended: `error`/`code` when it could not be completed, `left` if a .part stays. */
export interface CaptureOutput {
  kind: OutputKind;
  path: string;
  code?: string;
  error?: string;
  left?: string;
}

export class OutputExistsError extends OmvError {
  constructor(message: string) {
    super('EEXIST', message);
  }
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** `hdf5:run.h5` → {kind, absolute path}; an output named twice is refused. */
export function parseOutputs(to: readonly string[], where: string): CaptureOutput[] {
  const outputs = to.map((o) => {
    const at = o.indexOf(':');
    return { kind: o.slice(0, at) as OutputKind, path: resolve(o.slice(at + 1)) };
  });
  const seen = new Set<string>();
  for (const o of outputs) {
    if (seen.has(o.path)) throw new SessionFileError(where, 'to', `names ${o.path} more than once: give each output its own path`);
    seen.add(o.path);
  }
  return outputs;
}

/**
 * Before any camera is opened: an output that exists (or a `.part` a killed capture left, which holds its frames)
 * is refused unless `force`, and every output's folder is created and proved writable.
 */
export async function prepareOutputs(outputs: readonly CaptureOutput[], force: boolean): Promise<void> {
  if (!force) {
    const taken = [];
    for (const o of outputs) if (await exists(o.path)) taken.push(o.path);
    const left = [];
    for (const o of outputs) if (await exists(`${o.path}.part`)) left.push(`${o.path}.part`);
    const problems = [
      ...(taken.length ? [`${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}: pass --force to replace ${taken.length === 1 ? 'it' : 'them'} once the new capture is done, or choose other names`] : []),
      ...(left.length ? [`${left.join(' and ')} ${left.length === 1 ? 'is' : 'are'} left from a capture that did not finish and may hold its frames: move ${left.length === 1 ? 'it' : 'them'} away to keep them, or pass --force to delete ${left.length === 1 ? 'it' : 'them'}`] : []),
    ];
    if (problems.length) throw new OutputExistsError(problems.join('; '));
  }
  for (const dir of new Set(outputs.map((o) => dirname(o.path)))) await checkWritable(dir, ELSEWHERE);
}

/**
 * Opens each output's sink, wrapped so that how it ended is noted on its CaptureOutput. A failure to open one
 * aborts those already opened.
 */
export async function openOutputs(outputs: CaptureOutput[], options: CaptureDatasetOptions): Promise<CaptureSink[]> {
  const sinks: CaptureSink[] = [];
  const info = captureInfo(options);
  try {
    for (const o of outputs) sinks.push(track(o, await OPEN[o.kind](o.path, info)));
  } catch (err) {
    for (const s of sinks) await s.abort().catch(() => {});
    throw err;
  }
  return sinks;
}

/** Each output kind's sink: `hdf5` one file for every camera, `rtdc` a folder of one .rtdc per camera. */
const OPEN: Record<OutputKind, typeof hdf5Sink> = { hdf5: hdf5Sink, rtdc: rtdcSink, trace: traceSink, video: videoSink, records: recordsSink };

function track(o: CaptureOutput, sink: CaptureSink): CaptureSink {
  return {
    add: (camera, frame) => sink.add(camera, frame),
    ...(sink.lost ? { lost: sink.lost.bind(sink) } : {}),
    async finish() {
      try {
        await sink.finish();
      } catch (err) {
        o.code = err instanceof OmvError ? err.code : 'EINTERNAL';
        o.error = err instanceof Error ? err.message : String(err);
        if (await exists(`${o.path}.part`)) o.left = `${o.path}.part`;
        throw err;
      }
    },
    abort: () => sink.abort(),
  };
}

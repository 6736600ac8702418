import { readFile } from 'node:fs/promises';
import { OmvError } from '../../protocol/errors.js';
import { parseYaml } from '../formats/yaml-read.js';
import { FRAMESIZES, PIXFORMATS, type CameraSetup } from './session.js';

/** A capture described in a file (JSON, or YAML when named .yaml/.yml): what `omvd capture --session FILE` runs. */
export interface SessionSpec {
  cameras: CameraSetup[];
  durationS?: number;
  frames?: number;
  /** Outputs, `hdf5:PATH`, `trace:DIR` or `records:PATH`. */
  to: string[];
  /** Stored with the outputs (HDF5 `user:` attributes, trace config). */
  tags: Record<string, string>;
}

export class SessionFileError extends OmvError {
  constructor(where: string, field: string, message: string) {
    super('ESESSIONFILE', `${where}: "${field}" ${message}`);
  }
}

export const OUTPUT_KINDS = ['hdf5', 'trace', 'video', 'records'] as const;

/** "30s", "2m", "1.5h" or a number of seconds. */
export function parseDuration(value: unknown, fail: (msg: string) => never): number {
  if (typeof value === 'number' && value > 0) return value;
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim()) : null;
  if (!m) return fail(`must be a duration like 30s, 2m or 0.5h (got ${JSON.stringify(value)})`);
  const n = Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!(n > 0)) return fail('must be longer than 0');
  return n;
}

export function checkOutput(value: unknown, fail: (msg: string) => never): string {
  if (typeof value !== 'string' || !/^(hdf5|trace|video|records):.+/.test(value)) return fail(`must be hdf5:PATH, trace:DIR, video:DIR or records:PATH (got ${JSON.stringify(value)})`);
  return value;
}

/** Checks a session document; every error names the field (`cameras[1].fps`) and where it came from. */
export function parseSessionSpec(doc: unknown, where: string): SessionSpec {
  const fail = (field: string) => (msg: string): never => {
    throw new SessionFileError(where, field, msg);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('(top level)')('must be a JSON object');
  const d = doc as Record<string, unknown>;
  const known = ['cameras', 'duration', 'frames', 'to', 'tags'];
  for (const k of Object.keys(d)) if (!known.includes(k)) fail(k)(`is not a session field (known: ${known.join(', ')})`);
  if (!Array.isArray(d.cameras) || d.cameras.length === 0) fail('cameras')('must be a non-empty list of cameras, each {"port": "/dev/ttyACM0", …}');
  const cameras = (d.cameras as unknown[]).map((c, i): CameraSetup => {
    const f = (k: string) => fail(`cameras[${i}].${k}`);
    if (typeof c !== 'object' || c === null) return fail(`cameras[${i}]`)('must be an object');
    const cam = c as Record<string, unknown>;
    const fields = ['port', 'pixformat', 'framesize', 'fps', 'live_slots', 'exposure_us', 'gain_db'];
    for (const k of Object.keys(cam)) if (!fields.includes(k)) f(k)(`is not a camera field (${fields.join(', ')})`);
    if (typeof cam.port !== 'string' || !cam.port) f('port')('must be the camera\'s serial port path');
    if (cam.pixformat !== undefined && !PIXFORMATS.includes(cam.pixformat as never)) f('pixformat')(`must be one of ${PIXFORMATS.join(', ')}`);
    if (cam.framesize !== undefined && !FRAMESIZES.includes(cam.framesize as never)) f('framesize')(`must be one of ${FRAMESIZES.join(', ')}`);
    if (cam.fps !== undefined && !(typeof cam.fps === 'number' && cam.fps > 0 && cam.fps <= 240)) f('fps')('must be a number of frames per second, 0 < fps ≤ 240');
    if (cam.live_slots !== undefined && !(Number.isInteger(cam.live_slots) && (cam.live_slots as number) >= 2 && (cam.live_slots as number) <= 64)) f('live_slots')('must be an integer from 2 to 64');
    if (cam.exposure_us !== undefined && !(Number.isInteger(cam.exposure_us) && (cam.exposure_us as number) > 0)) f('exposure_us')('must be a whole number of microseconds > 0');
    if (cam.gain_db !== undefined && !(typeof cam.gain_db === 'number' && cam.gain_db >= 0 && cam.gain_db <= 48)) f('gain_db')('must be 0 to 48 dB');
    return {
      port: cam.port as string,
      ...(cam.pixformat === undefined ? {} : { pixformat: cam.pixformat as CameraSetup['pixformat'] }),
      ...(cam.framesize === undefined ? {} : { framesize: cam.framesize as CameraSetup['framesize'] }),
      ...(cam.fps === undefined ? {} : { fps: cam.fps as number }),
      ...(cam.live_slots === undefined ? {} : { liveSlots: cam.live_slots as number }),
      ...(cam.exposure_us === undefined ? {} : { exposureUs: cam.exposure_us as number }),
      ...(cam.gain_db === undefined ? {} : { gainDb: cam.gain_db as number }),
    };
  });
  const spec: SessionSpec = { cameras, to: [], tags: {} };
  if (d.duration !== undefined) spec.durationS = parseDuration(d.duration, fail('duration'));
  if (d.frames !== undefined) {
    if (!(Number.isInteger(d.frames) && (d.frames as number) > 0)) fail('frames')('must be a positive whole number of frames per camera');
    spec.frames = d.frames as number;
  }
  if (d.to !== undefined) {
    if (!Array.isArray(d.to)) fail('to')('must be a list of outputs like ["hdf5:run.h5", "trace:run"]');
    spec.to = (d.to as unknown[]).map((o, i) => checkOutput(o, fail(`to[${i}]`)));
  }
  if (d.tags !== undefined) {
    if (typeof d.tags !== 'object' || d.tags === null || Array.isArray(d.tags)) fail('tags')('must be an object of strings');
    for (const [k, v] of Object.entries(d.tags as object)) if (typeof v !== 'string') fail(`tags.${k}`)('must be a string');
    spec.tags = d.tags as Record<string, string>;
  }
  return spec;
}

export async function loadSessionFile(path: string): Promise<SessionSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SessionFileError(path, '(file)', `cannot be read: ${(e as Error).message}`);
  }
  let doc: unknown;
  if (/\.ya?ml$/i.test(path)) doc = parseYaml(text, path);
  else {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new SessionFileError(path, '(file)', `is not valid JSON: ${(e as Error).message} (name it .yaml for YAML)`);
    }
  }
  return parseSessionSpec(doc, path);
}

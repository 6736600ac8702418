import { readFile, stat } from 'node:fs/promises';
import { OmvError } from '../../protocol/errors.js';
import { metaObject, type Meta } from '../datasets/meta.js';
import { parseYaml } from '../formats/yaml-read.js';
import { HDF5_COMPRESSIONS, type Hdf5Compression } from '../writers/hdf5/compression.js';
import { FRAMESIZES, PIXFORMATS, type CameraSetup } from './session.js';

/** A tag stored with the outputs: HDF5 `user:` attributes, the trace's config, the record log's header. */
export type TagValue = string | number | boolean;

/** A capture described in a file (JSON, or YAML when named .yaml/.yml): what `omvd capture --session FILE` runs. */
export interface SessionSpec {
  cameras: CameraSetup[];
  durationS?: number;
  frames?: number;
  /** Outputs, `hdf5:PATH`, `rtdc:DIR`, `trace:DIR`, `video:DIR` or `records:PATH`. */
  to: string[];
  tags: Record<string, TagValue>;
  /** dclab metadata for the HDF5 outputs (`{"setup:medium": "water"}`): the user's setup, which omvd cannot know. */
  meta: Meta;
  hdf5Compression?: Hdf5Compression;
}

export class SessionFileError extends OmvError {
  constructor(where: string, field: string, message: string) {
    super('ESESSIONFILE', `${where}: "${field}" ${message}`);
  }
}

export const OUTPUT_KINDS = ['hdf5', 'rtdc', 'trace', 'video', 'records'] as const;
const MAX_FILE_BYTES = 1 << 20;
const MAX_CAMERAS = 16;
const MAX_OUTPUTS = 16;
const MAX_TAGS = 64;
const MAX_TAG_CHARS = 1024;

type Fail = (msg: string) => never;
const got = (v: unknown): string => `(got ${JSON.stringify(v) ?? String(v)})`;

/** "30s", "1m30s", "250ms", "1.5h", or a number of seconds. */
export function parseDuration(value: unknown, fail: Fail): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 } as const;
  let n = Number.NaN;
  if (/^\d+(\.\d+)?$/.test(text)) n = Number(text);
  else if (/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) n = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)].reduce((sum, m) => sum + Number(m[1]) * unit[m[2] as keyof typeof unit], 0);
  if (Number.isNaN(n)) return fail(`must be a duration like 30s, 1m30s, 250ms or 0.5h ${got(value)}`);
  if (!(n > 0 && Number.isFinite(n))) return fail(`must be longer than 0 ${got(value)}`);
  return n;
}

export function checkOutput(value: unknown, fail: Fail): string {
  if (typeof value !== 'string' || value.length > 4096 || !/^(hdf5|rtdc|trace|video|records):.+/.test(value)) return fail(`must be hdf5:PATH, trace:DIR, video:DIR or records:PATH, or rtdc:DIR (an .rtdc file per camera) ${got(value)}`);
  return value;
}

export function checkCompression(value: unknown, fail: Fail): Hdf5Compression {
  if (!HDF5_COMPRESSIONS.includes(value as Hdf5Compression)) return fail(`must be one of ${HDF5_COMPRESSIONS.join(', ')} ${got(value)}`);
  return value as Hdf5Compression;
}

export function checkFrames(value: unknown, fail: Fail): number {
  if (!(Number.isInteger(value) && (value as number) > 0 && (value as number) <= 2 ** 31)) return fail(`must be a positive whole number of frames per camera ${got(value)}`);
  return value as number;
}

/** Each camera setting: its session-file name, its command-line flag, and its check (the same for both). */
export const CAMERA_FIELDS = {
  pixformat: { flag: '--pixformat', key: 'pixformat', check: (v: unknown) => PIXFORMATS.includes(v as never) || `must be one of ${PIXFORMATS.join(', ')}` },
  framesize: { flag: '--framesize', key: 'framesize', check: (v: unknown) => FRAMESIZES.includes(v as never) || `must be one of ${FRAMESIZES.join(', ')}` },
  fps: { flag: '--fps', key: 'fps', check: (v: unknown) => (typeof v === 'number' && v > 0 && v <= 240) || 'must be a number of frames per second, 0 < fps ≤ 240' },
  live_slots: { flag: '--slots', key: 'liveSlots', check: (v: unknown) => (Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 64) || 'must be an integer from 2 to 64' },
  exposure_us: { flag: '--exposure-us', key: 'exposureUs', check: (v: unknown) => (Number.isInteger(v) && (v as number) > 0 && (v as number) <= 10_000_000) || 'must be a whole number of microseconds from 1 to 10000000' },
  gain_db: { flag: '--gain-db', key: 'gainDb', check: (v: unknown) => (typeof v === 'number' && v >= 0 && v <= 48) || 'must be 0 to 48 dB' },
} as const satisfies Record<string, { flag: string; key: keyof CameraSetup; check: (v: unknown) => true | string }>;
export type CameraField = keyof typeof CAMERA_FIELDS;

/** Checks one camera setting and returns it as CameraSetup has it ({fps: 30}, {liveSlots: 8}, …). */
export function checkCameraField(field: CameraField, value: unknown, fail: Fail): Partial<CameraSetup> {
  const { key, check } = CAMERA_FIELDS[field];
  const ok = check(value);
  if (ok !== true) fail(`${ok} ${got(value)}`);
  return { [key]: value };
}

function checkTags(value: unknown, fail: (field: string) => Fail): Record<string, TagValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('tags')('must be an object of names and values');
  const entries = Object.entries(value as object);
  if (entries.length > MAX_TAGS) fail('tags')(`holds ${entries.length} tags; at most ${MAX_TAGS}`);
  for (const [k, v] of entries) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$/.test(k)) fail(`tags.${k}`)('is not a tag name: letters, digits, _ . - and spaces, up to 64, not starting with a space, dot or dash');
    const fine = (typeof v === 'string' && v.length <= MAX_TAG_CHARS) || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
    if (!fine) fail(`tags.${k}`)(`must be a string, a number or true/false (strings up to ${MAX_TAG_CHARS} characters) ${got(v)}`);
  }
  return Object.fromEntries(entries) as Record<string, TagValue>;
}

/** Checks a session document; every error names the field (`cameras[1].fps`) and where it came from. */
export function parseSessionSpec(doc: unknown, where: string): SessionSpec {
  const fail = (field: string): Fail => (msg: string): never => {
    throw new SessionFileError(where, field, msg);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('(top level)')('must be a JSON object');
  const d = doc as Record<string, unknown>;
  const known = ['cameras', 'duration', 'frames', 'to', 'tags', 'meta', 'hdf5_compression'];
  for (const k of Object.keys(d)) if (!known.includes(k)) fail(k)(`is not a session field (known: ${known.join(', ')})`);
  if (!Array.isArray(d.cameras) || d.cameras.length === 0) fail('cameras')('must be a non-empty list of cameras, each {"port": "/dev/ttyACM0", …}');
  if ((d.cameras as unknown[]).length > MAX_CAMERAS) fail('cameras')(`lists ${(d.cameras as unknown[]).length} cameras; at most ${MAX_CAMERAS}`);
  const cameras = (d.cameras as unknown[]).map((c, i): CameraSetup => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return fail(`cameras[${i}]`)('must be an object');
    const cam = c as Record<string, unknown>;
    const fields = ['port', ...Object.keys(CAMERA_FIELDS)];
    for (const k of Object.keys(cam)) if (!fields.includes(k)) fail(`cameras[${i}].${k}`)(`is not a camera field (${fields.join(', ')})`);
    if (typeof cam.port !== 'string' || !cam.port || cam.port.length > 4096) fail(`cameras[${i}].port`)('must be the camera\'s serial port path');
    const setup: CameraSetup = { port: cam.port as string };
    for (const field of Object.keys(CAMERA_FIELDS) as CameraField[]) {
      if (cam[field] !== undefined) Object.assign(setup, checkCameraField(field, cam[field], fail(`cameras[${i}].${field}`)));
    }
    return setup;
  });
  const spec: SessionSpec = { cameras, to: [], tags: {}, meta: {} };
  if (d.duration !== undefined) spec.durationS = parseDuration(d.duration, fail('duration'));
  if (d.frames !== undefined) spec.frames = checkFrames(d.frames, fail('frames'));
  if (d.to !== undefined) {
    if (!Array.isArray(d.to)) fail('to')('must be a list of outputs like ["hdf5:run.h5", "trace:run"]');
    if ((d.to as unknown[]).length > MAX_OUTPUTS) fail('to')(`lists ${(d.to as unknown[]).length} outputs; at most ${MAX_OUTPUTS}`);
    spec.to = (d.to as unknown[]).map((o, i) => checkOutput(o, fail(`to[${i}]`)));
  }
  if (d.tags !== undefined) spec.tags = checkTags(d.tags, fail);
  if (d.meta !== undefined) spec.meta = metaObject(d.meta, (key) => fail(key ? `meta.${key}` : 'meta'));
  if (d.hdf5_compression !== undefined) spec.hdf5Compression = checkCompression(d.hdf5_compression, fail('hdf5_compression'));
  return spec;
}

export async function loadSessionFile(path: string): Promise<SessionSpec> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_FILE_BYTES) throw new Error(`it is ${size} bytes; a session file is at most ${MAX_FILE_BYTES}`);
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

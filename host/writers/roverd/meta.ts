import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MetaError, TraceError } from './errors.js';

/** roverd's channel formats (`channels.CHANNEL_TYPES`). */
export const FORMATS = ['raw', 'lzma', 'lzmaf', 'mjpg', 'npz', 'jpg'] as const;
export type ChannelFormat = (typeof FORMATS)[number];

/** The keyword arguments each format's constructor takes besides path, dtype and shape: roverd passes `args` as kwargs. */
const ARGS: Record<ChannelFormat, readonly string[]> = {
  raw: [],
  lzma: [],
  lzmaf: [],
  mjpg: ['resolution', 'interp'],
  jpg: ['workers', 'length'],
  npz: ['workers', 'length', 'compress'],
};

/** The keys roverd's `from_config(path, format, type, shape, description=None, desc=None, args={})` accepts. */
const KEYS = new Set(['format', 'type', 'shape', 'desc', 'description', 'args']);

/** One channel entry of meta.json. roverd raises TypeError on any other key, so none can be added here. */
export interface ChannelMeta {
  format: ChannelFormat;
  /** numpy dtype name, e.g. `u1`, `f8`. */
  type: string;
  /** The shape of one sample; `[]` for a scalar. */
  shape: number[];
  desc?: string;
  description?: string;
  args?: Record<string, unknown>;
}

export type SensorMeta = Record<string, ChannelMeta>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A sensor, channel or side-file name: one path segment of letters, digits, ".", "_", "-", not starting with the last three. */
export function checkName(kind: string, name: string): string {
  if (!NAME.test(name)) {
    throw new TraceError(`${kind} name "${name}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return name;
}

/** Checks one entry as roverd's `from_config` would take it: the keys, the format, the shape and the args. */
export function checkChannelMeta(entry: unknown, where: string): ChannelMeta {
  if (!isObject(entry)) throw new MetaError(`${where}: a channel entry must be a JSON object`);
  for (const key of Object.keys(entry)) {
    if (!KEYS.has(key)) {
      throw new MetaError(`${where}: key "${key}" is not one roverd accepts (format, type, shape, desc or description, args); roverd raises TypeError on it: move it to a side file`);
    }
  }
  for (const key of ['format', 'type', 'shape']) {
    if (!(key in entry)) throw new MetaError(`${where}: key "${key}" is missing; roverd's from_config requires it`);
  }
  const { format, type, shape, desc, description, args } = entry;
  if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format)) {
    throw new MetaError(`${where}: format ${JSON.stringify(format)} is not a roverd format (${FORMATS.join(', ')})`);
  }
  if (typeof type !== 'string' || type === '') throw new MetaError(`${where}: type must be a numpy dtype name such as "u1" or "f8"`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new MetaError(`${where}: shape must be a list of integers ≥ 0 (the sample's axes; [] for a scalar)`);
  }
  for (const [key, text] of [['desc', desc], ['description', description]] as const) {
    if (text !== undefined && typeof text !== 'string') throw new MetaError(`${where}: ${key} must be a string`);
  }
  if (args !== undefined) {
    if (!isObject(args)) throw new MetaError(`${where}: args must be a JSON object of constructor arguments`);
    const allowed = ARGS[format as ChannelFormat];
    const bad = Object.keys(args).find((k) => !allowed.includes(k));
    if (bad !== undefined) {
      throw new MetaError(`${where}: args key "${bad}" is not an argument of roverd's ${format} channel (${allowed.join(', ') || 'it takes none'})`);
    }
  }
  return entry as unknown as ChannelMeta;
}

/** Parses a sensor's meta.json text with roverd's strictness; `where` names the file in errors. */
export function parseSensorMeta(text: string, where: string): SensorMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (err) {
    throw new MetaError(`${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(meta)) throw new MetaError(`${where} must be a JSON object of channel entries`);
  for (const [name, entry] of Object.entries(meta)) {
    if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      throw new MetaError(`${where}: channel name "${name}" is not a file name inside the sensor folder`);
    }
    checkChannelMeta(entry, `${where}: channel "${name}"`);
  }
  return meta as SensorMeta;
}

export async function readSensorMeta(sensorDir: string): Promise<SensorMeta> {
  const file = join(sensorDir, 'meta.json');
  return parseSensorMeta(await readFile(file, 'utf8'), file);
}

/** meta.json as roverd's `DynamicSensor` writes it: `json.dump(config, indent=4)`. */
export function formatSensorMeta(meta: SensorMeta): string {
  return `${JSON.stringify(meta, null, 4)}\n`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OmvError } from '../../../protocol/errors.js';
import { writeFileAtomic } from '../atomic.js';
import { BlobChannel } from '../channels/blob.js';
import { RawChannel } from '../channels/raw.js';
import { DTYPES, type AnyTypedArray, type Dtype } from '../dtype.js';

/** One entry of a sensor's meta.json: exactly the keys roverd's `from_config` accepts (any other is a TypeError there). */
export interface ChannelMeta {
  format: 'raw' | 'jpg' | 'npz' | 'mjpg' | 'lzma' | 'lzmaf';
  type: string;
  shape: number[];
  desc: string;
  args?: Record<string, unknown>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkName(kind: string, name: string): string {
  if (!SAFE_NAME.test(name)) throw new OmvError('ENAME', `${kind} name "${name}" must be letters, digits, ".", "_" or "-" (and not start with one of the last three)`);
  return name;
}

/** config.yaml: roverd only needs it to exist; we keep the recording's provenance there. JSON scalars are valid YAML. */
export async function createTrace(dir: string, config: Record<string, string | number | boolean>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const yaml = Object.entries(config)
    .map(([k, v]) => `${checkName('config key', k)}: ${JSON.stringify(v)}`)
    .join('\n');
  await writeFileAtomic(join(dir, 'config.yaml'), `${yaml}\n`);
}

export interface TraceFrame {
  /** Unix epoch seconds, appended to `ts` after the frame's other channels are on disk. */
  ts: number;
  blobs?: Record<string, Uint8Array>;
  values?: Record<string, ArrayLike<number>>;
}

/**
 * A sensor folder of a roverd trace: meta.json, a `ts` raw f8 channel of epoch seconds, and the frame's channels.
 * roverd takes the sensor's length from `ts`, so a frame cut short by a crash is never counted.
 */
export class TraceSensor {
  private readonly meta: Record<string, ChannelMeta> = {};
  private readonly raws = new Map<string, RawChannel>();
  private readonly blobs = new Map<string, BlobChannel>();
  readonly ts: RawChannel;

  private constructor(readonly path: string) {
    this.ts = new RawChannel(join(path, 'ts'), 'f8', []);
  }

  static async create(traceDir: string, name: string): Promise<TraceSensor> {
    const sensor = new TraceSensor(join(traceDir, checkName('sensor', name)));
    await mkdir(sensor.path, { recursive: true });
    sensor.meta.ts = { format: 'raw', type: 'f8', shape: [], desc: 'Timestamp, in seconds.' };
    await sensor.saveMeta();
    return sensor;
  }

  async addRaw(name: string, dtype: Dtype, shape: number[], desc: string): Promise<RawChannel> {
    const ch = new RawChannel(join(this.path, checkName('channel', name)), dtype, shape);
    this.raws.set(name, ch);
    this.meta[name] = { format: 'raw', type: dtype, shape, desc };
    await this.saveMeta();
    return ch;
  }

  /** A blob channel; `shape` is what roverd returns per sample after decoding (e.g. [H, W, 3] for jpg). */
  async addBlob(name: string, format: 'jpg' | 'npz', shape: number[], desc: string): Promise<BlobChannel> {
    const ch = new BlobChannel(join(this.path, checkName('channel', name)), format);
    this.blobs.set(name, ch);
    this.meta[name] = { format, type: 'u1', shape, desc };
    await this.saveMeta();
    return ch;
  }

  /** Extra information (board, recording) in a side file: roverd refuses unknown keys in meta.json. */
  async writeSideFile(name: string, value: unknown): Promise<void> {
    await writeFileAtomic(join(this.path, checkName('side file', name)), `${JSON.stringify(value, null, 2)}\n`);
  }

  async appendFrame(frame: TraceFrame): Promise<void> {
    for (const [name, bytes] of Object.entries(frame.blobs ?? {})) await this.channel(this.blobs, name).append(bytes);
    for (const [name, values] of Object.entries(frame.values ?? {})) {
      const ch = this.channel(this.raws, name);
      const Array = DTYPES[ch.dtype].array as unknown as new (v: ArrayLike<number>) => AnyTypedArray;
      await ch.write(new Array(values), { append: true });
    }
    await appendFile(this.ts.path, new Uint8Array(Float64Array.of(frame.ts).buffer));
  }

  async length(): Promise<number> {
    return this.ts.length();
  }

  async close(): Promise<void> {
    for (const b of this.blobs.values()) await b.close();
  }

  private channel<T>(map: Map<string, T>, name: string): T {
    const ch = map.get(name);
    if (!ch) throw new OmvError('ECHANNEL', `${this.path} has no channel "${name}"; add it before writing frames`);
    return ch;
  }

  private async saveMeta(): Promise<void> {
    await writeFileAtomic(join(this.path, 'meta.json'), `${JSON.stringify(this.meta, null, 4)}\n`);
  }
}

/** Reads a sensor's meta.json with roverd's strictness: an unknown key in a channel entry is an error. */
export async function readSensorMeta(sensorDir: string): Promise<Record<string, ChannelMeta>> {
  const meta = JSON.parse(await readFile(join(sensorDir, 'meta.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [name, entry] of Object.entries(meta)) {
    const unknown = Object.keys(entry).filter((k) => !['format', 'type', 'shape', 'desc', 'description', 'args'].includes(k));
    if (unknown.length) throw new OmvError('EFORMAT', `${sensorDir}/meta.json: channel "${name}" has key(s) roverd refuses: ${unknown.join(', ')}`);
  }
  await stat(join(sensorDir, 'ts'));
  return meta as unknown as Record<string, ChannelMeta>;
}

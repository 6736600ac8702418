import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobChannel } from '../channels/blob.js';
import { RawChannel } from '../channels/raw.js';
import { parseDtype } from '../dtype.js';
import { TraceError, UnsupportedFormatError } from './errors.js';
import { readSensorMeta, type ChannelMeta, type SensorMeta } from './meta.js';

/**
 * Opens a trace written in roverd's layout: a folder with `config.yaml` whose sensors are the subfolders holding a
 * `meta.json`, except `_`-prefixed ("virtual") ones, as `roverd.Trace` lists them.
 */
export async function openTrace(dir: string): Promise<TraceReader> {
  const found = await stat(join(dir, 'config.yaml')).then((s) => s.isFile(), () => false);
  if (!found) throw new TraceError(`${dir} is not a roverd trace: it has no config.yaml`);
  const sensors: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
    if (await stat(join(dir, entry.name, 'meta.json')).then(() => true, () => false)) sensors.push(entry.name);
  }
  return new TraceReader(dir, sensors.sort());
}

export class TraceReader {
  constructor(
    readonly path: string,
    readonly sensors: readonly string[],
  ) {}

  /** Reads the sensor's meta.json as strictly as roverd: any entry roverd would refuse is a MetaError naming it. */
  async sensor(name: string): Promise<SensorReader> {
    if (!this.sensors.includes(name)) throw new TraceError(`${this.path} has no sensor "${name}" (it has: ${this.sensors.join(', ') || 'none'})`);
    const path = join(this.path, name);
    return new SensorReader(path, await readSensorMeta(path));
  }
}

export class SensorReader {
  constructor(
    readonly path: string,
    readonly meta: SensorMeta,
  ) {}

  /** Samples as roverd counts them: floor(size of `ts` / 8). */
  async length(): Promise<number> {
    try {
      return Math.floor((await stat(join(this.path, 'ts'))).size / 8);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new TraceError(`${this.path} has no ts file, so roverd cannot tell its length`, { cause: err });
    }
  }

  channel(name: string): RawChannel | BlobChannel {
    const meta = this.meta[name];
    if (!meta) throw new TraceError(`${this.path} has no channel "${name}" in meta.json (it has: ${Object.keys(this.meta).join(', ')})`);
    return openChannel(join(this.path, name), meta);
  }
}

/** roverd's `from_config` for the formats omvd reads: `raw`, and the `jpg`/`npz` blob folders (as stored bytes). */
export function openChannel(path: string, meta: ChannelMeta): RawChannel | BlobChannel {
  const dtype = parseDtype(meta.type);
  switch (meta.format) {
    case 'raw':
      return new RawChannel(path, dtype, meta.shape);
    case 'jpg':
    case 'npz':
      return new BlobChannel(path, dtype, meta.shape, { ext: meta.format, workers: typeof meta.args?.workers === 'number' ? meta.args.workers : 8 });
    default:
      throw new UnsupportedFormatError(`${path}: omvd does not read roverd's ${meta.format} channels; open it with roverd (Python)`);
  }
}

import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { TraceError } from './errors.js';
import { TraceSensor } from './sensor.js';
import { toYaml, type YamlMap } from './yaml.js';

/** A roverd trace being written: a folder with `config.yaml` (which is what makes roverd find it) and sensor folders. */
export class Trace {
  constructor(readonly path: string) {}

  /** A new sensor folder `<trace>/<name>/`; see `TraceSensor`. */
  addSensor(name: string): Promise<TraceSensor> {
    return TraceSensor.create(this.path, name);
  }
}

/**
 * Creates the trace folder (if needed) and writes `config.yaml` from `config` atomically. roverd only needs the
 * file to exist; it is the place for the recording's provenance. A folder that already has one is a TraceError.
 */
export async function createTrace(dir: string, { config = {} }: { config?: YamlMap } = {}): Promise<Trace> {
  const file = join(dir, 'config.yaml');
  const yaml = toYaml(config);
  await mkdir(dir, { recursive: true });
  const exists = await access(file).then(() => true, () => false);
  if (exists) throw new TraceError(`${dir} is already a trace (it has config.yaml): remove it or choose another folder`);
  await writeFileAtomic(file, yaml);
  return new Trace(dir);
}

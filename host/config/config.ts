import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS, type ExportFormat } from '../export/export.js';
import { parseUploadSection, type UploadSettings } from '../upload/settings.js';

/** omvd's settings file. Every field is optional; what is missing takes its default. */
export interface OmvdConfig {
  export: {
    /** What each newly synced recording is converted into ([] = nothing). Default: roverd trace with JPEG blobs + HDF5. */
    formats: ExportFormat[];
  };
  /** Where the daemon delivers verified recordings and their datasets: an S3-compatible store (absent: nowhere). */
  upload?: UploadSettings;
}

export const DEFAULT_CONFIG: OmvdConfig = { export: { formats: [...DEFAULT_EXPORT_FORMATS] } };

export class ConfigError extends OmvError {
  constructor(path: string, field: string, message: string) {
    super('ECONFIG', `${path}: "${field}" ${message}; fix the file or remove the field to use the default`);
  }
}

/** $OMVD_CONFIG, else $XDG_CONFIG_HOME/omvd/config.json, else ~/.config/omvd/config.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OMVD_CONFIG) return env.OMVD_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'omvd', 'config.json');
}

function validate(path: string, doc: unknown): OmvdConfig {
  const config: OmvdConfig = structuredClone(DEFAULT_CONFIG);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(path, '(top level)', 'must be a JSON object');
  const known = new Set(['export', 'upload']);
  for (const key of Object.keys(doc)) if (!known.has(key)) throw new ConfigError(path, key, 'is not a setting omvd knows (known: export, upload)');
  const upload = (doc as { upload?: unknown }).upload;
  if (upload !== undefined) config.upload = parseUploadSection(upload, (field, message) => { throw new ConfigError(path, field, message); });
  const exp = (doc as { export?: unknown }).export;
  if (exp === undefined) return config;
  if (typeof exp !== 'object' || exp === null || Array.isArray(exp)) throw new ConfigError(path, 'export', 'must be an object like {"formats": ["blob", "hdf5"]}');
  for (const key of Object.keys(exp)) if (key !== 'formats') throw new ConfigError(path, `export.${key}`, 'is not a setting omvd knows (known: export.formats)');
  const formats = (exp as { formats?: unknown }).formats;
  if (formats === undefined) return config;
  if (!Array.isArray(formats)) throw new ConfigError(path, 'export.formats', `must be a list of formats (${EXPORT_FORMATS.join(', ')})`);
  formats.forEach((f, i) => {
    if (!EXPORT_FORMATS.includes(f as ExportFormat)) throw new ConfigError(path, `export.formats[${i}]`, `is ${JSON.stringify(f)}, not one of ${EXPORT_FORMATS.join(', ')}`);
  });
  config.export.formats = [...new Set(formats as ExportFormat[])];
  return config;
}

/** Reads and checks the settings file; a missing file means the defaults. */
export async function loadConfig(path = configPath()): Promise<OmvdConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_CONFIG);
    throw new ConfigError(path, '(file)', `cannot be read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, '(file)', `is not valid JSON: ${(e as Error).message}`);
  }
  return validate(path, doc);
}

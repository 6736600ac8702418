import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OmvError } from '../../protocol/errors.js';
import { metaObject, type Meta } from '../datasets/meta.js';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS, type ExportFormat } from '../export/export.js';
import { parseUploadSection, type UploadSettings } from '../upload/settings.js';
import { DEFAULT_LINK_POLICY, type LinkPolicy } from '../v2/policy.js';

/** omvd's settings file. Every field is optional; what is missing takes its default. */
export interface OmvdConfig {
  export: {
    /** What each newly synced recording is converted into ([] = nothing). Default: roverd trace with JPEG blobs + HDF5. */
    formats: ExportFormat[];
  };
  /** How hard every command tries before it gives up on a camera (`timeout_ms`, `retries` in the file). */
  link: LinkPolicy;
  /** Where the daemon delivers verified recordings and their datasets: an S3-compatible store (absent: nowhere). */
  upload?: UploadSettings;
  /** dclab metadata every HDF5 dataset gets (`{"setup:medium": "water"}`): the lab's setup, which omvd cannot know. */
  meta: Meta;
}

export const DEFAULT_CONFIG: OmvdConfig = { export: { formats: [...DEFAULT_EXPORT_FORMATS] }, link: { ...DEFAULT_LINK_POLICY }, meta: {} };

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

function section(path: string, doc: Record<string, unknown>, name: string, known: string[], example: string): Record<string, unknown> | undefined {
  const value = doc[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, name, `must be an object like ${example}`);
  for (const key of Object.keys(value)) if (!known.includes(key)) throw new ConfigError(path, `${name}.${key}`, `is not a setting omvd knows (known: ${known.map((k) => `${name}.${k}`).join(', ')})`);
  return value as Record<string, unknown>;
}

function integer(path: string, field: string, value: unknown, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new ConfigError(path, field, `is ${JSON.stringify(value)}, not a whole number from ${min} to ${max}`);
  return value as number;
}

function validate(path: string, doc: unknown): OmvdConfig {
  const config: OmvdConfig = structuredClone(DEFAULT_CONFIG);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(path, '(top level)', 'must be a JSON object');
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) if (!['export', 'link', 'upload', 'meta'].includes(key)) throw new ConfigError(path, key, 'is not a setting omvd knows (known: export, link, upload, meta)');
  if (top.meta !== undefined) config.meta = metaObject(top.meta, (key) => (message) => { throw new ConfigError(path, key ? `meta.${key}` : 'meta', message); });
  if (top.upload !== undefined) config.upload = parseUploadSection(top.upload, (field, message) => { throw new ConfigError(path, field, message); });
  const formats = section(path, top, 'export', ['formats'], '{"formats": ["blob", "hdf5"]}')?.formats;
  if (formats !== undefined) {
    if (!Array.isArray(formats)) throw new ConfigError(path, 'export.formats', `must be a list of formats (${EXPORT_FORMATS.join(', ')})`);
    formats.forEach((f, i) => {
      if (!EXPORT_FORMATS.includes(f as ExportFormat)) throw new ConfigError(path, `export.formats[${i}]`, `is ${JSON.stringify(f)}, not one of ${EXPORT_FORMATS.join(', ')}`);
    });
    config.export.formats = [...new Set(formats as ExportFormat[])];
  }
  const link = section(path, top, 'link', ['timeout_ms', 'retries'], '{"timeout_ms": 5000, "retries": 40}');
  if (link?.timeout_ms !== undefined) config.link.timeoutMs = integer(path, 'link.timeout_ms', link.timeout_ms, 100, 3_600_000);
  if (link?.retries !== undefined) config.link.retries = integer(path, 'link.retries', link.retries, 0, 10_000);
  return config;
}

/**
 * Reads and checks the settings file (configPath). A missing file means the defaults, unless $OMVD_CONFIG names
 * it: then it is an error, since a typo there would silently lose every setting.
 */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<OmvdConfig> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && !env.OMVD_CONFIG) return structuredClone(DEFAULT_CONFIG);
    throw new ConfigError(path, '(file)', missing ? 'does not exist, but $OMVD_CONFIG names it; create it, or unset OMVD_CONFIG' : `cannot be read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, '(file)', `is not valid JSON: ${(e as Error).message}`);
  }
  return validate(path, doc);
}

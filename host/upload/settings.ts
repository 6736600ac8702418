import { parseRate } from './rate-limit.js';
import { parseStoreUrl } from './target.js';

/** The config file's `upload` section: where the daemon delivers (credentials never go there). */
export interface UploadSettings {
  /** `s3://bucket/prefix`. */
  url?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  profile?: string;
  /** Bytes per second for everything sent to the store. */
  limit?: number;
  deleteAfterUpload?: boolean;
}

const FIELDS = ['url', 'endpoint', 'region', 'path_style', 'profile', 'limit', 'delete_after_upload'];
const SECRET = /key|secret|token|password|credential/i;

/** Checks the `upload` section field by field; `fail(field, message)` throws the config file's error. */
export function parseUploadSection(value: unknown, fail: (field: string, message: string) => never): UploadSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('upload', 'must be an object like {"url": "s3://bucket/prefix", "endpoint": "https://minio.lab:9000", "path_style": true}');
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (SECRET.test(key)) fail(`upload.${key}`, 'looks like a credential, and credentials never go in omvd\'s config: use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials ("profile" here, or AWS_PROFILE)');
    if (!FIELDS.includes(key)) fail(`upload.${key}`, `is not a setting omvd knows (known: ${FIELDS.map((f) => `upload.${f}`).join(', ')})`);
  }
  const text = (field: string): string | undefined => {
    const v = doc[field];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) fail(`upload.${field}`, `is ${JSON.stringify(v)}, not a non-empty string`);
    return v as string | undefined;
  };
  const flag = (field: string): boolean | undefined => {
    const v = doc[field];
    if (v !== undefined && typeof v !== 'boolean') fail(`upload.${field}`, `is ${JSON.stringify(v)}, not true or false`);
    return v as boolean | undefined;
  };
  const out: UploadSettings = {};
  const url = text('url');
  if (url !== undefined) {
    try {
      parseStoreUrl(url);
    } catch (e) {
      fail('upload.url', (e as Error).message);
    }
    out.url = url;
  }
  const endpoint = text('endpoint');
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(endpoint)) fail('upload.endpoint', `is ${JSON.stringify(endpoint)}, not an http:// or https:// URL`);
    out.endpoint = endpoint;
  }
  const region = text('region');
  if (region !== undefined) out.region = region;
  const profile = text('profile');
  if (profile !== undefined) out.profile = profile;
  const pathStyle = flag('path_style');
  if (pathStyle !== undefined) out.pathStyle = pathStyle;
  const deleteAfterUpload = flag('delete_after_upload');
  if (deleteAfterUpload !== undefined) out.deleteAfterUpload = deleteAfterUpload;
  const limit = text('limit');
  if (limit !== undefined) {
    const rate = parseRate(limit);
    if (rate === undefined) fail('upload.limit', `is ${JSON.stringify(limit)}, not a rate like "5MB/s" or "800kB/s"`);
    out.limit = rate;
  }
  return out;
}

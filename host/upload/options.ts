import { OmvError } from '../../protocol/errors.js';
import { parseRate } from './rate-limit.js';
import type { UploadSettings } from './settings.js';
import { parseStoreUrl, type StoreTarget } from './target.js';

/** What a command line says about the store (`omvd upload`, `omvd daemon --upload`): it wins over the config file. */
export interface UploadFlags {
  url?: string;
  endpoint?: string;
  pathStyle?: boolean;
  region?: string;
  /** As typed: `5MB/s`. */
  limit?: string;
  deleteAfterUpload?: boolean;
}

export interface UploadPlan {
  target: StoreTarget;
  /** Bytes per second, if limited. */
  limit?: number;
  deleteAfterUpload: boolean;
}

const usage = (message: string): OmvError => new OmvError('EUSAGE', message);

/** The store to deliver to, from the flags over the config file's `upload` section; undefined if neither names one. */
export function planUpload(flags: UploadFlags, file: UploadSettings = {}): UploadPlan | undefined {
  const url = flags.url ?? file.url;
  if (!url) return undefined;
  const endpoint = flags.endpoint ?? file.endpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) throw usage(`--endpoint ${endpoint}: give the store's http:// or https:// URL`);
  const region = flags.region ?? file.region;
  const target: StoreTarget = { ...parseStoreUrl(url), pathStyle: flags.pathStyle ?? file.pathStyle ?? false, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}), ...(file.profile ? { profile: file.profile } : {}) };
  let limit = file.limit;
  if (flags.limit !== undefined) {
    limit = parseRate(flags.limit);
    if (limit === undefined) throw usage(`--upload-limit ${flags.limit}: give a rate like 5MB/s, 800kB/s or 2MiB/s`);
  }
  return { target, ...(limit ? { limit } : {}), deleteAfterUpload: flags.deleteAfterUpload ?? file.deleteAfterUpload ?? false };
}

import { createHash } from 'node:crypto';
import { OmvError } from '../../protocol/errors.js';

/** Where verified recordings and datasets are delivered: an S3 bucket and key prefix, and how to reach the store. */
export interface StoreTarget {
  bucket: string;
  /** Key prefix without leading or trailing '/' ('' for the bucket's top). */
  prefix: string;
  /** The store's URL for stores that are not AWS (else the SDK's AWS_ENDPOINT_URL_S3, else AWS). */
  endpoint?: string;
  /** Signing region (else AWS_REGION or the profile's, else us-east-1). */
  region?: string;
  /** Address buckets as https://host/bucket instead of https://bucket.host (MinIO, Ceph, most stores that are not AWS). */
  pathStyle: boolean;
  /** A profile of the shared AWS config and credentials files (else AWS_PROFILE, else "default"). */
  profile?: string;
}

export class StoreUrlError extends OmvError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}

/** Parses `s3://bucket/prefix` (the prefix may be empty or nested: `s3://lab/openmv/rig-2`). */
export function parseStoreUrl(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!m) throw new StoreUrlError(`"${url}" is not an S3 URL: write s3://BUCKET/PREFIX (for a store that is not AWS, add --endpoint URL and usually --path-style)`);
  const bucket = m[1]!;
  if (!/^[A-Za-z0-9._-]{3,63}$/.test(bucket)) throw new StoreUrlError(`"${bucket}" in ${url} is not a bucket name (3 to 63 letters, digits, '.', '-' or '_')`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..') || prefix.includes('//')) throw new StoreUrlError(`the prefix "${prefix}" in ${url} has an empty, "." or ".." part`);
  return { bucket, prefix };
}

export function storeUrl(target: StoreTarget): string {
  return `s3://${target.bucket}${target.prefix ? `/${target.prefix}` : ''}`;
}

/** The object key of a file of a camera: `prefix/<camera id>/<path under the camera's folder>`. */
export function objectKey(target: StoreTarget, cameraId: string, relPath: string): string {
  return [target.prefix, cameraId, relPath].filter((p) => p !== '').join('/');
}

/**
 * A short stable name for a target (the store, the profile, bucket and prefix), naming its upload state folder:
 * what was delivered to one store says nothing about another with the same bucket name.
 */
export function targetId(target: StoreTarget, env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = target.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? '';
  const profile = target.profile ?? env.AWS_PROFILE ?? '';
  return createHash('sha256').update(JSON.stringify([endpoint, profile, target.bucket, target.prefix])).digest('hex').slice(0, 16);
}

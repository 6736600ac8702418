import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { storeUrl, targetId, type StoreTarget } from './target.js';

/** An open connection to a store target: the SDK client plus what names the target in messages and on disk. */
export interface Store {
  s3: S3Client;
  target: StoreTarget;
  bucket: string;
  /** `s3://bucket/prefix at endpoint`, for messages. */
  label: string;
  /** Names this target's upload state folder (targetId). */
  id: string;
  close(): void;
}

const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * The SDK client for a target. Credentials come only from the SDK's own chain (AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared files, container and instance roles); the endpoint from the
 * target, else AWS_ENDPOINT_URL_S3, else AWS. Flexible checksums only when an operation requires them: parts
 * carry Content-MD5 instead, which every S3 store checks (radosgw ignores the flexible ones, and answers a
 * streamed PutObject sent aws-chunked with 411).
 */
export async function openStore(target: StoreTarget, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  // The SDK warns every run on Node 20 that its releases from 2027 need Node 22: omvd's lockfile pins the one it
  // supports Node 20 with, so the user could do nothing about it. The SDK reads this when a client is made.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config: S3ClientConfig = {
    forcePathStyle: target.pathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The SDK cannot resend a streamed part and would say so on the console; the engine resends the part itself.
    logger: QUIET,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  };
  let s3 = new S3Client({ ...config, ...(target.region ? { region: target.region } : {}) });
  if (!target.region) {
    // Stores that are not AWS rarely care about the region; SigV4 still needs one.
    const found = await s3.config.region().catch(() => undefined);
    if (!found) {
      s3.destroy();
      s3 = new S3Client({ ...config, region: 'us-east-1' });
    }
  }
  const endpoint = target.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    s3,
    target,
    bucket: target.bucket,
    label: `${storeUrl(target)}${endpoint ? ` at ${endpoint}` : ''}`,
    id: targetId(target, env),
    close: () => s3.destroy(),
  };
}

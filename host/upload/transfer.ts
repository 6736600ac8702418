import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, ListPartsCommand, PutObjectCommand, UploadPartCommand, type Part } from '@aws-sdk/client-s3';
import type { Store } from './client.js';
import { DeliveryError, httpStatus, StoreError } from './errors.js';
import type { Deliverable } from './files.js';
import type { PartsState, UploadLedger } from './ledger.js';
import { body, type RateLimit } from './rate-limit.js';
import type { Slots } from './slots.js';

/** What every transfer of one omvd process shares. */
export interface TransferContext {
  store: Store;
  slots: Slots;
  limit?: RateLimit;
  signal?: AbortSignal;
  partSize: number;
  /** Bytes the store acknowledged (a whole part or object at a time). */
  onSent?: (bytes: number) => void;
  /** A multipart upload has every part in the store and is about to be completed, with these figures. */
  onCompleting?: (sent: Sent) => void;
}

export interface SendJob {
  file: Deliverable;
  key: string;
  /** What the file's bytes must hash to: the manifest's for a recording, the pre-upload hash for a dataset. */
  sha256: string;
  metadata: Record<string, string>;
  contentType: string;
}

export interface Sent {
  parts: number;
  partsReused: number;
  sentBytes: number;
}

export type SendResult = { exists: true } | ({ exists: false } & Sent);

const MAX_PARTS = 10_000;

/** Part size for a file: the configured one, grown to stay within S3's 10,000 parts. */
export function partSizeFor(size: number, partSize: number): number {
  return Math.max(partSize, Math.ceil(size / MAX_PARTS / 2 ** 20) * 2 ** 20);
}

function changed(job: SendJob, actual: string): DeliveryError {
  return new DeliveryError('ECHANGED', `${job.file.path} no longer hashes to ${job.sha256} (its bytes give ${actual}): it changed on the host after it was verified; nothing was published, re-sync or re-export it`);
}

const md5 = (data: Uint8Array): Buffer => createHash('md5').update(data).digest();

/**
 * Sends one file as a single PutObject (up to one part's size) or as a multipart upload that resumes from the
 * ledger's upload id: parts the store lists with the MD5 of the host's bytes are kept, only the rest are sent,
 * each with Content-MD5. The bytes are hashed as they are read, and nothing is completed unless they hash to
 * `job.sha256`. `If-None-Match: *` makes the write conditional where the store supports it; `exists` means the
 * key was taken meanwhile.
 */
export async function sendFile(ctx: TransferContext, ledger: UploadLedger, job: SendJob): Promise<SendResult> {
  const partSize = partSizeFor(job.file.size, ctx.partSize);
  const fh = await open(job.file.path, 'r');
  try {
    if (job.file.size > partSize) return await putMultipart(ctx, ledger, fh, job, partSize);
    const stale = await ledger.loadParts(job.file.rel);
    if (stale) {
      await abortUpload(ctx, stale.key, stale.uploadId);
      await ledger.dropParts(job.file.rel);
    }
    return await putSmall(ctx, fh, job);
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, at: number, length: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const { bytesRead } = await fh.read(data, done, length - done, at + done);
    if (bytesRead === 0) throw new DeliveryError('ECHANGED', `the file became shorter while it was read (at byte ${at + done})`);
    done += bytesRead;
  }
  return data;
}

async function putSmall(ctx: TransferContext, fh: FileHandle, job: SendJob): Promise<SendResult> {
  const data = await readAt(fh, 0, job.file.size);
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== job.sha256) throw changed(job, sha);
  await ctx.slots.acquire();
  try {
    const { bucket, s3 } = ctx.store;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: job.key, Body: body(data, ctx.limit, ctx.signal), ContentLength: data.length, ContentMD5: md5(data).toString('base64'), ContentType: job.contentType, Metadata: job.metadata, IfNoneMatch: '*' }), { abortSignal: ctx.signal });
  } catch (e) {
    if (httpStatus(e) === 412) return { exists: true };
    throw e;
  } finally {
    ctx.slots.release();
  }
  ctx.onSent?.(data.length);
  return { exists: false, parts: 1, partsReused: 0, sentBytes: data.length };
}

/** The parts the store holds for an upload, or undefined if it no longer knows the upload (any 404: radosgw says NoSuchKey). */
async function listParts(ctx: TransferContext, key: string, uploadId: string): Promise<Map<number, Part> | undefined> {
  const parts = new Map<number, Part>();
  let marker: string | undefined;
  try {
    do {
      const page = await ctx.store.s3.send(new ListPartsCommand({ Bucket: ctx.store.bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }), { abortSignal: ctx.signal });
      for (const p of page.Parts ?? []) if (p.PartNumber !== undefined) parts.set(p.PartNumber, p);
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
  } catch (e) {
    if (httpStatus(e) === 404) return undefined;
    throw e;
  }
  return parts;
}

/** Gives up a multipart upload in the store; the store may already have forgotten it. */
export async function abortUpload(ctx: TransferContext, key: string, uploadId: string): Promise<void> {
  await ctx.store.s3.send(new AbortMultipartUploadCommand({ Bucket: ctx.store.bucket, Key: key, UploadId: uploadId }), { abortSignal: ctx.signal }).catch((e: unknown) => {
    if (httpStatus(e) !== 404) throw e;
  });
}

/** The upload to continue: the ledger's, if it is for these bytes and the store still has it; else a new one. */
async function resumeOrCreate(ctx: TransferContext, ledger: UploadLedger, job: SendJob, partSize: number): Promise<{ state: PartsState; stored: Map<number, Part> }> {
  const old = await ledger.loadParts(job.file.rel);
  if (old) {
    const same = old.key === job.key && old.size === job.file.size && old.mtimeMs === job.file.mtimeMs && old.sha256 === job.sha256 && old.partSize === partSize;
    const stored = same ? await listParts(ctx, job.key, old.uploadId) : undefined;
    if (stored) return { state: old, stored };
    if (!same) await abortUpload(ctx, old.key, old.uploadId);
    await ledger.dropParts(job.file.rel);
  }
  const { bucket, s3 } = ctx.store;
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: job.key, ContentType: job.contentType, Metadata: job.metadata }), { abortSignal: ctx.signal });
  if (!created.UploadId) throw new StoreError('ESTORE', `the store gave no upload id for ${job.key}`);
  const state: PartsState = { path: job.file.rel, key: job.key, size: job.file.size, mtimeMs: job.file.mtimeMs, sha256: job.sha256, uploadId: created.UploadId, partSize, parts: {} };
  await ledger.saveParts(state);
  return { state, stored: new Map() };
}

const unquote = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '').toLowerCase();

async function putMultipart(ctx: TransferContext, ledger: UploadLedger, fh: FileHandle, job: SendJob, partSize: number): Promise<SendResult> {
  const { bucket, s3 } = ctx.store;
  const { state, stored } = await resumeOrCreate(ctx, ledger, job, partSize);
  const count = Math.ceil(job.file.size / partSize);
  const etags: string[] = [];
  const hash = createHash('sha256');
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let saving = Promise.resolve();
  let reused = 0;
  let sent = 0;
  try {
    for (let n = 1; n <= count && !failure; n++) {
      const data = await readAt(fh, (n - 1) * partSize, Math.min(partSize, job.file.size - (n - 1) * partSize));
      hash.update(data);
      const digest = md5(data);
      const hex = digest.toString('hex');
      const there = stored.get(n);
      // A part the store lists is kept if it is these bytes: its ETag is their MD5, or (stores whose ETags are not
      // MD5s, e.g. AWS with SSE-KMS) the ledger recorded that MD5 when the store acknowledged the part.
      if (there && there.Size === data.length && (unquote(there.ETag) === hex || state.parts[n] === hex)) {
        etags[n] = there.ETag!;
        state.parts[n] = hex;
        reused++;
        continue;
      }
      await ctx.slots.acquire();
      if (failure) {
        ctx.slots.release();
        break;
      }
      const task = s3
        .send(new UploadPartCommand({ Bucket: bucket, Key: job.key, UploadId: state.uploadId, PartNumber: n, Body: body(data, ctx.limit, ctx.signal), ContentLength: data.length, ContentMD5: digest.toString('base64') }), { abortSignal: ctx.signal })
        .then(
          (r) => {
            etags[n] = r.ETag ?? `"${hex}"`;
            state.parts[n] = hex;
            sent += data.length;
            saving = saving.then(() => ledger.saveParts(state));
            ctx.onSent?.(data.length);
          },
          (error: unknown) => {
            failure ??= { error };
          },
        )
        .finally(() => {
          ctx.slots.release();
          inflight.delete(task);
        });
      inflight.add(task);
    }
  } finally {
    await Promise.all(inflight);
    await saving;
  }
  if (failure) throw failure.error;
  const sha = hash.digest('hex');
  if (sha !== job.sha256) {
    await abortUpload(ctx, job.key, state.uploadId);
    await ledger.dropParts(job.file.rel);
    throw changed(job, sha);
  }
  const figures = { parts: count, partsReused: reused, sentBytes: sent };
  ctx.onCompleting?.(figures);
  try {
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: job.key, UploadId: state.uploadId, MultipartUpload: { Parts: Array.from({ length: count }, (_, i) => ({ PartNumber: i + 1, ETag: etags[i + 1]! })) }, IfNoneMatch: '*' }), { abortSignal: ctx.signal });
  } catch (e) {
    const status = httpStatus(e);
    if (status === 412) {
      await abortUpload(ctx, job.key, state.uploadId);
      await ledger.dropParts(job.file.rel);
      return { exists: true };
    }
    if (status === 404) {
      await ledger.dropParts(job.file.rel);
      throw new StoreError('EUPLOADGONE', `the store no longer knows the multipart upload of ${job.key} (aborted by a lifecycle rule or another client); it is started again`, true, { cause: e });
    }
    throw e;
  }
  await ledger.dropParts(job.file.rel);
  return { exists: false, ...figures };
}

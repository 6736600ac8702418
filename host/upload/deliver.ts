import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { OmvError } from '../../protocol/errors.js';
import type { Logger } from '../log.js';
import { DeliveryError, httpStatus, storeError, StoreError } from './errors.js';
import type { Delivered, UploadLedger } from './ledger.js';
import { abortUpload, sendFile, type Sent, type SendJob, type TransferContext } from './transfer.js';

export interface DeliverContext extends TransferContext {
  /** How long a file may go without any progress while the store is unreachable before omvd gives up on it. */
  retryForMs: number;
  log?: Logger;
}

export interface DeliverJob extends Omit<SendJob, 'sha256' | 'metadata'> {
  /** Known for a recording (the manifest's); hashed from the file for a dataset. */
  sha256?: string;
  metadata: (sha256: string) => Record<string, string>;
  recording: string;
  recordingSha256: string;
}

/**
 * How a file is in the store now: `uploaded` by this call, `present` already (same bytes, or for a dataset one
 * made from the same recording by another host), `delivered` before (the ledger says so; no request made), or
 * `waiting` for another host that is delivering its own copy of the dataset (see `adopt`).
 */
export interface Outcome {
  state: 'uploaded' | 'present' | 'delivered' | 'waiting';
  key: string;
  sha256: string;
  parts: number;
  partsReused: number;
  sentBytes: number;
}

export class InterruptedError extends OmvError {
  constructor() {
    super('EINTERRUPTED', 'stopped before the upload finished; what the store acknowledged is kept, and a re-run resumes there');
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Head {
  size: number;
  meta: Record<string, string>;
}

/** HeadObject; undefined if there is no such object. 403 means "may not look" (AWS without s3:ListBucket says 403 for a missing key). */
async function head(ctx: DeliverContext, key: string): Promise<Head | undefined | 'denied'> {
  try {
    const h = await ctx.store.s3.send(new HeadObjectCommand({ Bucket: ctx.store.bucket, Key: key }), { abortSignal: ctx.signal });
    return { size: h.ContentLength ?? -1, meta: h.Metadata ?? {} };
  } catch (e) {
    const status = httpStatus(e);
    if (status === 404) return undefined;
    if (status === 403) return 'denied';
    throw e;
  }
}

/** Whether an object already at the key is this file: the same bytes, or (a dataset) made from the same recording. */
function judge(h: Head, job: Pick<DeliverJob, 'file' | 'recordingSha256'>, sha256: string): 'same' | 'equivalent' | 'conflict' {
  if (h.size === job.file.size && h.meta.sha256 === sha256) return 'same';
  if (job.file.kind === 'dataset' && h.meta['recording-sha256'] === job.recordingSha256) return 'equivalent';
  return 'conflict';
}

function conflict(ctx: DeliverContext, job: DeliverJob, h: Head): DeliveryError {
  const theirs = h.meta.sha256 ? `SHA-256 ${h.meta.sha256}${h.meta['recording-sha256'] ? ` of recording ${h.meta['recording-sha256']}` : ''}` : 'no omvd SHA-256';
  return new DeliveryError('ECONFLICT', `${job.key} in ${ctx.store.label} already holds other content (${h.size} bytes, ${theirs}) than ${job.file.path}: omvd never overwrites an object; move one of them, or upload to another prefix`);
}

/** `completed`: the figures of an earlier attempt of this call that got as far as completing its multipart upload. */
async function attempt(ctx: DeliverContext, ledger: UploadLedger, job: DeliverJob, sha256: string, adopt: boolean, completed?: Sent): Promise<Outcome> {
  const base = { key: job.key, sha256, parts: 0, partsReused: 0, sentBytes: 0 };
  const before = await head(ctx, job.key);
  if (adopt && (!before || before === 'denied')) return { ...base, state: 'waiting' };
  if (before && before !== 'denied') {
    const verdict = judge(before, job, sha256);
    if (verdict === 'conflict') throw conflict(ctx, job, before);
    // Finished by an earlier run or attempt that was stopped before it wrote the ledger (an attempt whose
    // completion the store carried out but whose answer was lost), or by another host: an upload of ours still
    // open would only hold parts in the store (aborting a completed one is a harmless 404).
    const ours = await ledger.loadParts(job.file.rel);
    if (ours) {
      await abortUpload(ctx, ours.key, ours.uploadId);
      await ledger.dropParts(job.file.rel);
    }
    return ours && verdict === 'same' ? { ...base, ...completed, state: 'uploaded' } : { ...base, state: 'present' };
  }
  const sent = await sendFile(ctx, ledger, { ...job, sha256, metadata: job.metadata(sha256) });
  const after = await head(ctx, job.key);
  if (after === 'denied') throw new StoreError('ESTOREDENIED', `the store does not let omvd read back ${job.key} in ${ctx.store.label} (HeadObject: 403), so the upload cannot be verified: omvd needs s3:GetObject there`);
  if (!after) throw new StoreError('EVERIFY', `${job.key} is not in ${ctx.store.label} right after it was written; it is sent again`, true);
  const verdict = judge(after, job, sha256);
  if (verdict === 'conflict') throw conflict(ctx, job, after);
  if (sent.exists || verdict === 'equivalent') return { ...base, state: 'present' };
  return { ...base, state: 'uploaded', parts: sent.parts, partsReused: sent.partsReused, sentBytes: sent.sentBytes };
}

/** Whether a file delivered earlier is still in the store as it was (checked again before its host copy is deleted). */
export async function stillThere(ctx: DeliverContext, job: Pick<DeliverJob, 'file' | 'key' | 'recordingSha256'>, sha256: string): Promise<boolean> {
  const h = await head(ctx, job.key);
  return h !== undefined && h !== 'denied' && judge(h, job, sha256) !== 'conflict';
}

/** Keeps the last store error with a multipart upload in progress, for `omvd ls`. */
async function noteError(ledger: UploadLedger, rel: string, err: StoreError): Promise<void> {
  const parts = await ledger.loadParts(rel);
  if (parts) await ledger.saveParts({ ...parts, lastError: { code: err.code, message: err.message, at: new Date().toISOString() } });
}

const backoffMs = (n: number): number => Math.min(15_000, 500 * 2 ** n) * (0.75 + Math.random() / 2);

/**
 * Delivers one file and records it in the ledger once HeadObject shows its size and SHA-256 (the object is then
 * verified). A file the ledger has (same key, size and time) costs no request. A store or network that goes away
 * is waited for with backoff, as long as something moved within `retryForMs`; each retry resumes the multipart
 * upload where the store's parts end. With `adopt`, nothing is sent: the file only counts as delivered once its
 * key holds it or another host's equivalent.
 */
export async function deliverFile(ctx: DeliverContext, ledger: UploadLedger, job: DeliverJob, adopt = false): Promise<Outcome> {
  const known = ledger.get(job.file.rel);
  if (known && known.key === job.key && known.size === job.file.size && known.mtimeMs === job.file.mtimeMs) return { state: 'delivered', key: job.key, sha256: known.sha256, parts: 0, partsReused: 0, sentBytes: 0 };
  const sha256 = job.sha256 ?? (await hashFile(job.file.path));
  let acked = 0;
  let completing: Sent | undefined;
  const progress = { ...ctx, onSent: (n: number) => ((acked += n), ctx.onSent?.(n)), onCompleting: (sent: Sent) => (completing = sent) };
  let lastMove = Date.now();
  let movedAt = 0;
  for (let failures = 0; ; failures++) {
    try {
      const outcome = await attempt(progress, ledger, job, sha256, adopt, completing);
      if (outcome.state === 'waiting') return outcome;
      const record: Delivered = { path: job.file.rel, key: job.key, size: job.file.size, mtimeMs: job.file.mtimeMs, sha256, recording: job.recording, how: outcome.state === 'uploaded' ? 'uploaded' : 'present', at: new Date().toISOString() };
      await ledger.recordDelivered(record);
      return outcome;
    } catch (e) {
      if (ctx.signal?.aborted) throw new InterruptedError();
      const err = e instanceof OmvError ? e : (storeError(e, ctx.store.label) ?? e);
      if (err instanceof StoreError) await noteError(ledger, job.file.rel, err);
      if (!(err instanceof StoreError) || !err.transient) throw err;
      if (acked > movedAt) {
        movedAt = acked;
        lastMove = Date.now();
        failures = 0;
      }
      if (Date.now() - lastMove > ctx.retryForMs) throw new StoreError('ESTOREUNREACHABLE', `${err.message}; gave up on ${job.file.path} after ${Math.round(ctx.retryForMs / 1000)} s without progress (a re-run resumes)`, false, { cause: err });
      const wait = backoffMs(failures);
      ctx.log?.warn({ file: job.file.path, code: err.code }, `${err.message}; retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, undefined, { signal: ctx.signal }).catch(() => undefined);
      if (ctx.signal?.aborted) throw new InterruptedError();
    }
  }
}

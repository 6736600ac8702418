import { loadConfig } from '../../config/config.js';
import type { Logger } from '../../log.js';
import { planUpload, type UploadPlan } from '../../upload/options.js';
import { RateLimit } from '../../upload/rate-limit.js';
import { removedAfterUpload } from '../../upload/status.js';
import { storeUrl } from '../../upload/target.js';
import type { RecordingUpload, Uploader } from '../../upload/upload.js';
import type { StoreArgs } from './upload.js';

/** The upload section of a sync or daemon summary, as `omvd upload --json` reports it. */
export interface UploadSummary {
  store: string;
  uploaded: number;
  present: number;
  waiting: number;
  failed: RecordingUpload['failed'];
  deleted: string[];
  sentBytes: number;
  /** Parts of multipart uploads that an earlier, interrupted run had already put in the store. */
  partsReused: number;
  /** An error that stopped delivery to the store as a whole (credentials, bucket, …): the sync went on. */
  error?: { code: string; message: string };
}

/**
 * Delivery after sync (`omvd daemon --upload s3://…`, or the config file's `upload`): each camera's verified
 * recordings go to the store in the background, one camera after another, so a store that is slow or away never
 * holds up the camera sync; what failed is tried again after the camera's next sync.
 */
export class UploadAfterSync {
  private queue: Promise<void> = Promise.resolve();
  private readonly done: RecordingUpload[] = [];
  /** Cameras whose delivery is queued, and those to look at again on their next sync (first seen, or something failed). */
  private readonly queued = new Set<string>();
  private readonly again = new Set<string>();
  private readonly seen = new Set<string>();
  private error: UploadSummary['error'];

  private constructor(
    readonly plan: UploadPlan,
    private readonly uploader: Uploader,
    private readonly close: () => void,
    private readonly log: Logger,
  ) {}

  /** The uploader for what the flags and the config file name, or null when they name no store. */
  static async open(args: StoreArgs & { upload?: string }, log: Logger, signal: AbortSignal): Promise<UploadAfterSync | null> {
    const plan = planUpload({ url: args.upload, endpoint: args.endpoint, pathStyle: args['path-style'], region: args.region, limit: args['upload-limit'], deleteAfterUpload: args['delete-after-upload'] }, (await loadConfig()).upload);
    if (!plan) return null;
    // The AWS SDK takes a while to load: only a daemon that uploads pays for it.
    const [{ openStore }, { Uploader }] = await Promise.all([import('../../upload/client.js'), import('../../upload/upload.js')]);
    const store = await openStore(plan.target);
    const uploader = new Uploader(store, { log, signal, deleteAfterUpload: plan.deleteAfterUpload, ...(plan.limit ? { limit: new RateLimit(plan.limit) } : {}) });
    log.info({ store: storeUrl(plan.target) }, 'verified recordings and their datasets go to the store after each sync');
    return new UploadAfterSync(plan, uploader, () => store.close(), log);
  }

  /**
   * After a sync pass of `camera`: queues its verified recordings (all of them; files delivered before cost no
   * request) when the pass synced something new, on its first pass, and after a delivery that failed.
   */
  afterSync(root: string, camera: string, newlySynced: boolean, board?: string): void {
    if (this.queued.has(camera) || !(newlySynced || !this.seen.has(camera) || this.again.has(camera))) return;
    this.seen.add(camera);
    this.queued.add(camera);
    this.again.delete(camera);
    this.queue = this.queue.then(async () => {
      this.queued.delete(camera);
      try {
        const results = await this.uploader.uploadCamera(root, camera, board ? { board } : {});
        this.done.push(...results);
        if (results.some((r) => r.failed.length > 0 || r.files.some((f) => f.state === 'waiting'))) this.again.add(camera);
      } catch (e) {
        this.again.add(camera);
        const err = e as Error & { code?: string };
        this.error = { code: err.code ?? 'EINTERNAL', message: err.message };
        this.log.error({ camera, code: err.code }, `upload stopped: ${err.message}; the sync goes on, and the next sync tries again`);
      }
    });
  }

  /** Whether a verified recording's host copy was removed after it was delivered (so the sync must not fetch it again). */
  removedFromHost(root: string, camera: string, name: string): Promise<boolean> {
    return removedAfterUpload(root, camera, name);
  }

  /** Waits for what is queued and closes the store. */
  async finish(): Promise<UploadSummary> {
    await this.queue;
    this.close();
    const files = this.done.flatMap((r) => r.files);
    const count = (state: string): number => files.filter((f) => f.state === state).length;
    return {
      store: storeUrl(this.plan.target),
      uploaded: count('uploaded'),
      present: count('present'),
      waiting: count('waiting'),
      failed: this.done.flatMap((r) => r.failed),
      deleted: this.done.flatMap((r) => r.deleted),
      sentBytes: files.reduce((n, f) => n + (f.state === 'uploaded' ? f.sentBytes : 0), 0),
      partsReused: files.reduce((n, f) => n + f.partsReused, 0),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

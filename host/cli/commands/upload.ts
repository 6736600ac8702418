import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { OmvError } from '../../../protocol/errors.js';
import { parseDuration } from '../../capture/session-file.js';
import { configPath, loadConfig } from '../../config/config.js';
import { createLogger } from '../../log.js';
import { planUpload } from '../../upload/options.js';
import { RateLimit } from '../../upload/rate-limit.js';
import { storeUrl } from '../../upload/target.js';
import type { FileFailure, FileReport, RecordingUpload } from '../../upload/upload.js';
import { Exit, exitCodeFor } from '../exit-codes.js';
import { reportError } from '../report-error.js';
import { jsonOption } from './camera-options.js';

export interface StoreArgs {
  endpoint?: string;
  'path-style'?: boolean;
  region?: string;
  'upload-limit'?: string;
  'delete-after-upload'?: boolean;
}

interface Args extends StoreArgs {
  root: string;
  store?: string;
  'retry-for': string;
  camera?: string[];
  json: boolean;
}

const usage = (message: string): OmvError => new OmvError('EUSAGE', message);

const brief = (f: FileReport): Record<string, unknown> => ({ camera: f.camera, recording: f.recording, kind: f.kind, path: f.path, key: f.key, size: f.size, sha256: f.sha256 });

async function run(args: Args): Promise<void> {
  const root = resolve(args.root);
  const retryForS = parseDuration(args['retry-for'], (m) => {
    throw usage(`--retry-for ${m}`);
  });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const flags = { url: args.store, endpoint: args.endpoint, pathStyle: args['path-style'], region: args.region, limit: args['upload-limit'], deleteAfterUpload: args['delete-after-upload'] };
  const plan = planUpload(flags, (await loadConfig()).upload);
  if (!plan) throw usage(`name the store: omvd upload ${args.root} s3://BUCKET/PREFIX (or "upload": {"url": …} in ${configPath()})`);
  const { target, limit, deleteAfterUpload } = plan;
  const log = createLogger({ json: args.json });
  // The AWS SDK takes a while to load: only this command pays for it.
  const [{ openStore }, { Uploader }] = await Promise.all([import('../../upload/client.js'), import('../../upload/upload.js')]);
  const store = await openStore(target);
  const tty = process.stderr.isTTY && !args.json;
  const uploader = new Uploader(store, {
    log,
    signal: controller.signal,
    deleteAfterUpload,
    retryForMs: retryForS * 1000,
    ...(limit ? { limit: new RateLimit(limit) } : {}),
    ...(tty ? { onProgress: progressLine(root) } : {}),
  });
  const done: RecordingUpload[] = [];
  let fatal: unknown;
  try {
    await uploader.uploadRoot(root, args.camera, (r) => {
      done.push(r);
      if (!args.json) printRecording(r, tty);
    });
  } catch (e) {
    fatal = e;
  } finally {
    store.close();
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  const files = done.flatMap((r) => r.files);
  const failed: FileFailure[] = done.flatMap((r) => r.failed);
  const uploaded = files.filter((f) => f.state === 'uploaded');
  const present = files.filter((f) => f.state === 'present');
  const waiting = files.filter((f) => f.state === 'waiting');
  const upToDate = files.length - uploaded.length - present.length - waiting.length;
  if (args.json) {
    const error = fatal === undefined ? {} : { error: { code: fatal instanceof OmvError ? fatal.code : 'EINTERNAL', message: (fatal as Error).message } };
    const summary = {
      ok: fatal === undefined && failed.length === 0,
      root,
      store: storeUrl(target),
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      uploaded: uploaded.map((f) => ({ ...brief(f), parts: f.parts, partsReused: f.partsReused, sentBytes: f.sentBytes })),
      present: present.map(brief),
      waiting: waiting.map(brief),
      upToDate,
      failed,
      deleted: done.flatMap((r) => r.deleted),
      sentBytes: uploaded.reduce((n, f) => n + f.sentBytes, 0),
      ...error,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else if (fatal === undefined) process.stdout.write(`${uploaded.length} files uploaded, ${present.length} already in the store, ${upToDate} delivered before, ${waiting.length} being delivered by another host, ${failed.length} failed → ${storeUrl(target)}\n`);
  if (fatal !== undefined) process.exitCode = args.json ? exitCodeFor(fatal) : reportError(fatal, false);
  else if (failed.length > 0) process.exitCode = files.length > 0 ? Exit.PARTIAL : Exit.FAILED;
}

/** A status line on the terminal (stderr), redrawn at most five times a second. */
function progressLine(root: string): (p: { path: string; sent: number; size: number }) => void {
  const start = performance.now();
  let total = 0;
  let last = 0;
  const seen = new Map<string, number>();
  return (p) => {
    total += p.sent - (seen.get(p.path) ?? 0);
    if (p.sent < p.size) seen.set(p.path, p.sent);
    else seen.delete(p.path);
    const now = performance.now();
    if (now - last < 200 && p.sent < p.size) return;
    last = now;
    const rate = total / 1e6 / ((now - start) / 1000);
    process.stderr.write(`\r\x1b[K${p.path.slice(root.length + 1)} ${Math.floor((100 * p.sent) / Math.max(1, p.size))}% · ${(total / 1e6).toFixed(1)} MB sent · ${rate.toFixed(1)} MB/s`);
  };
}

function printRecording(r: RecordingUpload, tty: boolean): void {
  const sent = r.files.filter((f) => f.state === 'uploaded');
  const there = r.files.filter((f) => f.state === 'present').length;
  const rec = sent.find((f) => f.kind === 'recording');
  const parts: string[] = [];
  if (rec) parts.push(`uploaded ${rec.size} bytes${rec.partsReused ? ` (${rec.partsReused} of ${rec.parts} parts were already in the store)` : ''}`);
  const datasets = sent.filter((f) => f.kind === 'dataset');
  if (datasets.length) parts.push(`${datasets.length} dataset files`);
  if (there) parts.push(`${there} files already in the store`);
  const waiting = r.files.filter((f) => f.state === 'waiting').length;
  if (waiting) parts.push(`${waiting} dataset files another host is delivering (checked again on the next run)`);
  if (r.deleted.length) parts.push(`${r.deleted.length} host files deleted after the check`);
  if (tty) process.stderr.write('\r\x1b[K');
  if (parts.length) process.stdout.write(`${r.camera}/${r.recording}: ${parts.join(', ')}\n`);
  for (const f of r.failed) process.stdout.write(`FAILED ${f.path}: ${f.error}\n`);
}

/** --endpoint, --path-style, --region, --upload-limit, --delete-after-upload: the same for `omvd daemon --upload`. */
export function storeOptions<T>(y: Argv<T>): Argv<T & StoreArgs> {
  return y
    .option('endpoint', { type: 'string', describe: 'the store\'s URL, for stores that are not AWS (MinIO, Ceph, R2…); default: AWS_ENDPOINT_URL_S3, else AWS' })
    .option('path-style', { type: 'boolean', describe: 'address buckets as URL/bucket instead of bucket.host (most stores that are not AWS need it)' })
    .option('region', { type: 'string', describe: 'signing region (default: AWS_REGION or the profile\'s, else us-east-1)' })
    .option('upload-limit', { type: 'string', describe: 'cap on what is sent, e.g. 5MB/s, 800kB/s, 2MiB/s' })
    .option('delete-after-upload', { type: 'boolean', describe: 'remove each recording and its datasets from the host once all their objects are verified in the store (the manifest keeps the record)' }) as Argv<T & StoreArgs>;
}

export const uploadCommand: CommandModule<object, Args> = {
  command: 'upload <root> [store]',
  describe: 'Deliver the verified recordings of a sync root, and their datasets, to an S3-compatible store (resumable, verified)',
  builder: (y) =>
    storeOptions(y)
      .positional('root', { type: 'string', demandOption: true, describe: 'a sync root (--root of omvd sync): <camera id>/manifest.json lists what is verified' })
      .positional('store', { type: 'string', describe: `s3://BUCKET/PREFIX (default: "upload": {"url"} of ${configPath()}); objects go to PREFIX/<camera id>/<name>, datasets under PREFIX/<camera id>/datasets/` })
      .option('camera', { type: 'string', array: true, describe: 'only these camera ids (repeat for several)' })
      .option('retry-for', { type: 'string', default: '10m', describe: 'how long to keep retrying, with backoff, a store that does not answer before giving up (a re-run resumes)' })
      .option('json', { ...jsonOption, describe: 'print one JSON summary (stdout) and JSON log lines (stderr)' })
      .epilog('Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws/credentials, or the machine\'s role; never from the command line.')
      .example('$0 upload ./omvd-data s3://lab-data/openmv', 'to AWS S3')
      .example('$0 upload ./omvd-data s3://lab/openmv --endpoint http://minio.lab:9000 --path-style', 'to MinIO or Ceph') as never,
  handler: (args) => run(args),
};

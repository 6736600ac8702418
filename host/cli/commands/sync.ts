import { resolve } from 'node:path';
import type { CommandModule, Argv } from 'yargs';
import { configPath, loadConfig } from '../../config/config.js';
import { Daemon } from '../../daemon/daemon.js';
import { exportSynced } from '../../daemon/export-synced.js';
import { createLogger } from '../../log.js';
import type { SyncSummary } from '../../sync/engine.js';
import { Exit, exitCodeForCode, type ExitCode } from '../exit-codes.js';
import { cameraPorts, clientOptions, jsonOption, linkOptions, portOption, rootOption, type LinkArgs } from './camera-options.js';
import { UploadAfterSync } from './sync-upload.js';
import { storeOptions, type StoreArgs } from './upload.js';

interface Args extends LinkArgs, StoreArgs {
  upload?: string;
  port?: string[];
  root: string;
  once: boolean;
  'delete-after-sync': boolean;
  export: boolean;
  'install-scripts': boolean;
  'dry-run'?: boolean;
  json: boolean;
}

function options(y: Argv, once: boolean): Argv<Args> {
  let out = y
    .option('port', { ...portOption, array: true, describe: once ? 'serial port(s) of the cameras (repeat for several; default: every OpenMV camera found by USB id)' : 'serial port(s) to serve (repeat for several), or auto (default) to watch for OpenMV cameras by USB id' })
    .option('root', rootOption)
    .option('delete-after-sync', { type: 'boolean', default: false, describe: 'delete each recording on the camera once its host copy is verified (the camera re-checks the hash)' })
    .option('install-scripts', { type: 'boolean', default: false, describe: 'put omvd\'s device scripts on a camera that lacks them (firmware 5.x; its recordings are not touched; an existing main.py is kept)' })
    .option('export', { type: 'boolean', default: true, describe: `convert each newly synced recording into the formats of the config file (${configPath()}; default: roverd trace + HDF5) under <root>/<camera>/datasets; --no-export skips it` })
    .option('json', { ...jsonOption, describe: 'JSON lines for logs (stderr) and a JSON summary (stdout)' });
  if (once)
    out = out
      .option('once', { type: 'boolean', default: false, describe: 'sync what is there now and exit (default: keep syncing until Ctrl-C)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only show what would be copied (and what --delete-after-sync would delete): nothing is written or deleted' });
  out = out.option('upload', { type: 'string', describe: 'after each sync, deliver the verified recordings and their datasets to this S3 store: s3://BUCKET/PREFIX (default: "upload" of the config file; credentials from the AWS SDK\'s usual places)' });
  return storeOptions(linkOptions(out)) as unknown as Argv<Args>;
}

/** One status line on the terminal, rewritten in place: the recording being copied, bytes, rate and time left. */
class CopyProgress {
  private started = new Map<string, { at: number; from: number }>();
  private shown = false;

  update(camera: string, name: string, bytes: number, total: number): void {
    const key = `${camera}/${name}`;
    const now = Date.now();
    const start = this.started.get(key) ?? { at: now, from: bytes };
    this.started.set(key, start);
    const rate = (bytes - start.from) / Math.max(0.001, (now - start.at) / 1000);
    const eta = rate > 0 ? Math.ceil((total - bytes) / rate) : NaN;
    const mb = (n: number): string => (n / 1e6).toFixed(1);
    process.stderr.write(`\r\x1b[K${camera.slice(-6)}/${name}: ${mb(bytes)}/${mb(total)} MB, ${mb(rate)} MB/s${Number.isFinite(eta) ? `, ${eta} s left` : ''}`);
    this.shown = true;
  }

  end(): void {
    if (this.shown) process.stderr.write('\n');
  }
}

/** One entry per camera, however many sync passes the daemon made of it (their lists merged, the last link counters). */
function perCamera(summaries: SyncSummary[]): SyncSummary[] {
  const byId = new Map<string, SyncSummary>();
  for (const s of summaries) {
    const had = byId.get(s.camera);
    if (!had) byId.set(s.camera, { ...s, synced: [...s.synced], failed: [...s.failed], deleted: [...s.deleted], upToDate: [...s.upToDate], refused: [...s.refused] });
    else {
      had.synced.push(...s.synced);
      had.deleted.push(...s.deleted);
      had.failed = s.failed;
      had.upToDate = s.upToDate;
      had.refused = s.refused;
      had.link = s.link;
    }
  }
  return [...byId.values()];
}

/**
 * The exit code of a sync: 130 when interrupted, 3 when a port gave no camera (or it went away) and nothing was
 * synced, 4 when some recordings were left unsynced, 0 only when every camera asked for was synced whole.
 */
function syncExit(interrupted: boolean, cameras: SyncSummary[], failures: { code: string }[]): ExitCode {
  if (interrupted) return Exit.INTERRUPTED;
  const failedRecordings = cameras.flatMap((c) => c.failed);
  const done = cameras.some((c) => c.synced.length > 0 || c.upToDate.length > 0);
  if (failures.length === 0 && failedRecordings.length === 0) return Exit.OK;
  if (done) return Exit.PARTIAL;
  const codes = [...failures, ...failedRecordings].map((f) => exitCodeForCode(f.code));
  return codes.find((c) => c !== Exit.FAILED) ?? Exit.FAILED;
}

async function run(args: Args, daemonMode: boolean): Promise<void> {
  const log = createLogger({ json: args.json });
  const root = resolve(args.root);
  const explicit = (args.port ?? []).filter((p) => p !== 'auto');
  const ports = daemonMode && explicit.length === 0 ? ('auto' as const) : await cameraPorts(explicit);
  const formats = args.export ? (await loadConfig()).export.formats : [];
  const client = await clientOptions(args);
  const dryRun = !daemonMode && args['dry-run'] === true;
  const stopUploads = new AbortController();
  const upload = dryRun ? null : await UploadAfterSync.open(args, log, stopUploads.signal);
  const progress = !daemonMode && !args.json && !dryRun && process.stderr.isTTY ? new CopyProgress() : undefined;
  const daemon = new Daemon({
    root,
    ports,
    once: dryRun || (!daemonMode && args.once),
    dryRun,
    deleteAfterSync: args['delete-after-sync'],
    installScripts: args['install-scripts'] && !dryRun,
    log,
    client,
    ...(upload ? { removedFromHost: (camera: string, name: string) => upload.removedFromHost(root, camera, name) } : {}),
    onSynced: async (id, summary) => {
      await exportSynced(summary, formats, log);
      upload?.afterSync(root, id, summary.synced.length > 0, summary.board);
    },
    ...(progress ? { onCopyProgress: (camera: string, name: string, bytes: number, total: number) => progress.update(camera, name, bytes, total) } : {}),
  });
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
    log.info('stopping after the current chunk');
    daemon.stop();
    stopUploads.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info({ root }, daemonMode ? 'omvd daemon started' : 'syncing');
  await daemon.run();
  progress?.end();
  const uploaded = await upload?.finish();
  const cameras = perCamera(daemon.summaries);
  const flat = <T>(pick: (s: SyncSummary) => T[]): (T & { camera: string })[] => cameras.flatMap((s) => pick(s).map((x) => ({ camera: s.camera, ...x })));
  const synced = flat((s) => s.synced);
  const failed = flat((s) => s.failed);
  const refused = flat((s) => s.refused.map((r) => ({ reason: r.reason })));
  let code = daemonMode ? (interrupted ? Exit.OK : syncExit(false, cameras, daemon.failures)) : syncExit(interrupted, cameras, daemon.failures);
  // A daemon stopped on purpose exits 0 (what went wrong on the way is in its log); sync --once says how delivery went.
  if (!daemonMode && code === Exit.OK && uploaded && (uploaded.error || uploaded.failed.length > 0)) code = uploaded.error ? exitCodeForCode(uploaded.error.code) : Exit.PARTIAL;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({
        ok: code === Exit.OK,
        ...(interrupted ? { interrupted: true } : {}),
        root,
        synced,
        upToDate: flat((s) => s.upToDate.map((name) => ({ name }))),
        deleted: flat((s) => s.deleted.map((name) => ({ name }))),
        failed,
        refused,
        errors: daemon.failures,
        ...(uploaded ? { upload: uploaded } : {}),
        ...(dryRun ? { dryRun: true, wouldSync: flat((s) => s.wouldSync ?? []), wouldDelete: flat((s) => (s.wouldDelete ?? []).map((name) => ({ name }))) } : {}),
        cameras: cameras.map((s) => ({ camera: s.camera, dir: s.dir, synced: s.synced.length, upToDate: s.upToDate.length, failed: s.failed.length, deleted: s.deleted.length, link: s.link })),
      })}\n`,
    );
  } else if (dryRun) {
    for (const s of cameras) {
      for (const w of s.wouldSync ?? []) process.stdout.write(`would copy ${s.camera}/${w.name}: ${w.size - w.resumeFrom} of ${w.size} bytes${w.resumeFrom ? ` (resuming at ${w.resumeFrom})` : ''}${w.open ? ', still being recorded' : ''}\n`);
      for (const name of s.wouldDelete ?? []) process.stdout.write(`would delete ${s.camera}/${name} on the camera (its host copy is verified)\n`);
      for (const name of s.upToDate) if (!(s.wouldDelete ?? []).includes(name)) process.stdout.write(`up to date ${s.camera}/${name}\n`);
    }
  } else if (!daemonMode) {
    for (const r of synced) process.stdout.write(`synced ${r.camera}/${r.name}: ${r.size} bytes, sha256 ${r.sha256}${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}\n`);
    for (const f of failed) process.stdout.write(`FAILED ${f.camera}/${f.name}: ${f.error}\n`);
    for (const r of refused) process.stdout.write(`refused on ${r.camera}: ${r.reason}\n`);
    for (const f of daemon.failures) process.stderr.write(`omvd: ${f.camera ? `camera ${f.camera} on ${f.port}` : f.port}: ${f.error}\n`);
  }
  process.exitCode = code;
}

export const syncCommand: CommandModule<object, Args> = {
  command: 'sync',
  describe: 'Mirror the cameras\' recordings into --root, verified by hash and resumable',
  builder: (y) => options(y, true).example('$0 sync --port ./cam --once', 'copy everything a (virtual) camera has, then exit') as never,
  handler: (args) => run(args, false),
};

export const daemonCommand: CommandModule<object, Args> = {
  command: 'daemon',
  describe: 'Run until stopped: every camera plugged in gets its recordings mirrored into --root',
  builder: (y) => options(y, false).example('$0 daemon --root /data/openmv', '') as never,
  handler: (args) => run(args, true),
};

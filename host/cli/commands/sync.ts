import { resolve } from 'node:path';
import type { CommandModule, Argv } from 'yargs';
import { OmvError } from '../../../protocol/errors.js';
import { daemonSocket } from '../../api/paths.js';
import { connected, DaemonRootError, Daemons, type Served } from '../../api/route.js';
import { serveApi } from '../../api/serve.js';
import { mergeSyncDocs, syncDoc, type SyncDoc } from '../../api/sync-doc.js';
import { configPath, loadConfig } from '../../config/config.js';
import { Daemon } from '../../daemon/daemon.js';
import { exportSynced } from '../../daemon/export-synced.js';
import { createLogger } from '../../log.js';
import { Exit, exitCodeForCode, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';
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
  'page-port'?: number;
  'socket-group'?: boolean;
  json: boolean;
}

/** The page's port unless --page-port names another. */
const PAGE_PORT = 8091;

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
  else
    out = out
      .option('page-port', { type: 'number', describe: `port of the live page and the API on 127.0.0.1 (default ${PAGE_PORT}, or any free one if that is taken; 0: any free one)` })
      .option('socket-group', { type: 'boolean', default: false, describe: 'let the members of the daemon\'s group use its API socket (mode 0660; install-service sets this up with the omvd group)' });
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

/**
 * The exit code of a sync: 130 when interrupted, 3 when a port gave no camera (or it went away) and nothing was
 * synced, 4 when some recordings were left unsynced, 0 only when every camera asked for was synced whole.
 */
function syncExit(interrupted: boolean, doc: SyncDoc): ExitCode {
  if (interrupted) return Exit.INTERRUPTED;
  const done = doc.cameras.some((c) => c.synced > 0 || c.upToDate > 0);
  if (doc.errors.length === 0 && doc.failed.length === 0) return Exit.OK;
  if (done) return Exit.PARTIAL;
  const codes = [...doc.errors, ...doc.failed].map((f) => exitCodeForCode(f.code));
  return codes.find((c) => c !== Exit.FAILED) ?? Exit.FAILED;
}

/** `sync --once` of the ports a daemon serves: a pass of the daemon's, into the same root. */
async function throughDaemons(served: Served[], root: string, pass: { dryRun: boolean; deleteAfterSync: boolean }, signal: AbortSignal): Promise<SyncDoc> {
  let doc = syncDoc(root, [], []);
  for (const s of served) {
    if (signal.aborted) break;
    if (s.status.root !== root) throw new DaemonRootError(s.camera.port, s.daemon.socket, s.status.root);
    try {
      const id = connected(s).id;
      doc = mergeSyncDocs(doc, await s.daemon.json<SyncDoc>('POST', `/api/v1/cameras/${id}/sync`, { wait: true, ...pass }, signal));
    } catch (e) {
      if (signal.aborted) break; // Ctrl-C: the daemon's pass goes on by itself
      if (!(e instanceof OmvError)) throw e;
      doc.errors.push({ port: s.camera.port, ...(s.camera.id ? { camera: s.camera.id } : {}), code: e.code, error: e.message });
    }
  }
  return doc;
}

async function run(args: Args, daemonMode: boolean): Promise<void> {
  const log = createLogger({ json: args.json });
  const root = resolve(args.root);
  const explicit = (args.port ?? []).filter((p) => p !== 'auto');
  const dryRun = !daemonMode && args['dry-run'] === true;
  const once = dryRun || (!daemonMode && args.once);
  if (args['page-port'] !== undefined && !(Number.isInteger(args['page-port']) && args['page-port'] >= 0 && args['page-port'] <= 65535)) throw new UsageError(`--page-port ${args['page-port']}: give a port number, 0 to 65535`);
  let ports: string[] | 'auto' = daemonMode && explicit.length === 0 ? 'auto' : await cameraPorts(explicit);
  const served: Served[] = [];
  if (once && ports !== 'auto') {
    const daemons = await Daemons.find();
    const direct: string[] = [];
    for (const p of ports) {
      const s = await daemons.serving(p);
      if (s) served.push(s);
      else direct.push(p);
    }
    ports = direct;
  }
  const config = await loadConfig();
  const formats = args.export ? config.export.formats : [];
  const client = await clientOptions(args);
  const stopUploads = new AbortController();
  const upload = dryRun ? null : await UploadAfterSync.open(args, log, stopUploads.signal);
  const progress = !daemonMode && !args.json && !dryRun && process.stderr.isTTY ? new CopyProgress() : undefined;
  const daemon = new Daemon({
    root,
    ports,
    once,
    dryRun,
    deleteAfterSync: args['delete-after-sync'],
    installScripts: args['install-scripts'] && !dryRun,
    meta: config.meta,
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
  const api = daemonMode
    ? await serveApi(daemon, { socket: daemonSocket(), explicit: process.env.OMVD_SOCKET !== undefined, group: args['socket-group'] === true, pagePort: args['page-port'] ?? PAGE_PORT, pagePortGiven: args['page-port'] !== undefined, log })
    : null;
  log.info({ root }, daemonMode ? 'omvd daemon started' : 'syncing');
  const [viaDaemons] = await Promise.all([throughDaemons(served, root, { dryRun, deleteAfterSync: args['delete-after-sync'] }, stopUploads.signal), ports === 'auto' || ports.length ? daemon.run() : null]);
  await api?.close();
  progress?.end();
  for (const s of served) {
    const cam = viaDaemons.cameras.find((c) => c.camera === s.camera.id);
    if (cam) upload?.afterSync(root, cam.camera, cam.synced > 0, s.camera.board ?? undefined);
  }
  const uploaded = await upload?.finish();
  const doc = mergeSyncDocs(syncDoc(root, daemon.summaries, daemon.failures, { dryRun, interrupted }), viaDaemons);
  let code = daemonMode ? (interrupted ? Exit.OK : syncExit(false, doc)) : syncExit(interrupted, doc);
  // A daemon stopped on purpose exits 0 (what went wrong on the way is in its log); sync --once says how delivery went.
  if (!daemonMode && code === Exit.OK && uploaded && (uploaded.error || uploaded.failed.length > 0)) code = uploaded.error ? exitCodeForCode(uploaded.error.code) : Exit.PARTIAL;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ok: code === Exit.OK, ...doc, ...(uploaded ? { upload: uploaded } : {}) })}\n`);
  } else if (dryRun) {
    for (const w of doc.wouldSync ?? []) process.stdout.write(`would copy ${w.camera}/${w.name}: ${w.size - w.resumeFrom} of ${w.size} bytes${w.resumeFrom ? ` (resuming at ${w.resumeFrom})` : ''}${w.open ? ', still being recorded' : ''}\n`);
    for (const d of doc.wouldDelete ?? []) process.stdout.write(`would delete ${d.camera}/${d.name} on the camera (its host copy is verified)\n`);
    for (const u of doc.upToDate) if (!(doc.wouldDelete ?? []).some((d) => d.camera === u.camera && d.name === u.name)) process.stdout.write(`up to date ${u.camera}/${u.name}\n`);
  } else if (!daemonMode) {
    for (const r of doc.synced) process.stdout.write(`synced ${r.camera}/${r.name}: ${r.size} bytes, sha256 ${r.sha256}${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}\n`);
    for (const f of doc.failed) process.stdout.write(`FAILED ${f.camera}/${f.name}: ${f.error}\n`);
    for (const r of doc.refused) process.stdout.write(`refused on ${r.camera}: ${r.reason}\n`);
    for (const f of doc.errors) process.stderr.write(`omvd: ${f.camera ? `camera ${f.camera} on ${f.port}` : f.port}: ${f.error}\n`);
  }
  process.exitCode = code;
}

export const syncCommand: CommandModule<object, Args> = {
  command: 'sync',
  describe: 'Mirror the cameras\' recordings into --root, verified by hash and resumable (through the daemon for the cameras it serves)',
  builder: (y) => options(y, true).example('$0 sync --port ./cam --once', 'copy everything a (virtual) camera has, then exit') as never,
  handler: (args) => run(args, false),
};

export const daemonCommand: CommandModule<object, Args> = {
  command: 'daemon',
  describe: 'Run until stopped: every camera plugged in gets its recordings mirrored into --root; other commands work through it (its API socket, a live page on 127.0.0.1)',
  builder: (y) => options(y, false).example('$0 daemon --root /data/openmv', '') as never,
  handler: (args) => run(args, true),
};

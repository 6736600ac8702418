import { resolve } from 'node:path';
import type { CommandModule, Argv } from 'yargs';
import { configPath, loadConfig } from '../../config/config.js';
import { Daemon } from '../../daemon/daemon.js';
import { exportSynced } from '../../daemon/export-synced.js';
import { createLogger } from '../../log.js';
import { cameraPorts, jsonOption, portOption, rootOption } from './camera-options.js';

interface Args {
  port?: string[];
  root: string;
  once: boolean;
  'delete-after-sync': boolean;
  export: boolean;
  'install-scripts': boolean;
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
  if (once) out = out.option('once', { type: 'boolean', default: false, describe: 'sync what is there now and exit (default: keep syncing until Ctrl-C)' });
  return out as unknown as Argv<Args>;
}

async function run(args: Args, daemonMode: boolean): Promise<void> {
  const log = createLogger({ json: args.json });
  const root = resolve(args.root);
  const explicit = (args.port ?? []).filter((p) => p !== 'auto');
  const ports = daemonMode && explicit.length === 0 ? ('auto' as const) : await cameraPorts(explicit);
  const formats = args.export ? (await loadConfig()).export.formats : [];
  const daemon = new Daemon({ root, ports, once: !daemonMode && args.once, deleteAfterSync: args['delete-after-sync'], installScripts: args['install-scripts'], log, onSynced: (_id, summary) => exportSynced(summary, formats, log) });
  const stop = (): void => {
    log.info('stopping after the current chunk');
    daemon.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info({ root }, daemonMode ? 'omvd daemon started' : 'syncing');
  await daemon.run();
  const synced = daemon.summaries.flatMap((s) => s.synced.map((r) => ({ camera: s.camera, ...r })));
  const failed = daemon.summaries.flatMap((s) => s.failed.map((f) => ({ camera: s.camera, ...f })));
  const refused = daemon.summaries.flatMap((s) => s.refused.map((r) => ({ camera: s.camera, reason: r.reason })));
  if (args.json) process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, root, synced, failed, refused, cameras: daemon.summaries.map((s) => s.camera) })}\n`);
  else if (!daemonMode) {
    for (const r of synced) process.stdout.write(`synced ${r.camera}/${r.name}: ${r.size} bytes, sha256 ${r.sha256}${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}\n`);
    for (const f of failed) process.stdout.write(`FAILED ${f.camera}/${f.name}: ${f.error}\n`);
    for (const r of refused) process.stdout.write(`refused on ${r.camera}: ${r.reason}\n`);
  }
  if (failed.length > 0) process.exitCode = 1;
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

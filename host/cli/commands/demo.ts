import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadConfig } from '../../config/config.js';
import { Daemon } from '../../daemon/daemon.js';
import { exportSynced } from '../../daemon/export-synced.js';
import { createLogger } from '../../log.js';
import { RecordingFile } from '../../recordings/recording-file.js';
import { servePty } from '../../sim/pty.js';
import { VirtualCamera } from '../../sim/virtual-camera.js';
import { DEFAULT_ROOT } from './camera-options.js';

interface Args {
  root: string;
  seconds: number;
  json: boolean;
}

export const demoCommand: CommandModule<object, Args> = {
  command: 'demo',
  describe: 'Try omvd with no camera: a virtual camera records a few seconds, the daemon syncs it over a serial port',
  builder: (y) =>
    y
      .option('root', { type: 'string', default: DEFAULT_ROOT, describe: 'where the recordings are mirrored' })
      .option('seconds', { type: 'number', default: 3, describe: 'how long the virtual camera records' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON logs and a JSON summary' }) as never,
  handler: async (args) => {
    const log = createLogger({ json: args.json });
    const work = mkdtempSync(join(tmpdir(), 'omvd-demo-'));
    const root = resolve(args.root);
    const camera = await VirtualCamera.start({ sdDir: join(work, 'sd'), recordSeconds: args.seconds, onLog: (line) => log.debug({ camera: 'sim' }, line) });
    const pty = await servePty(camera.link, join(work, 'cam'));
    log.info({ port: pty.path, sd: camera.sdDir }, `virtual camera ${camera.uid} recording ${args.seconds} s of QVGA grayscale`);
    const formats = (await loadConfig()).export.formats;
    const daemon = new Daemon({ root, ports: [pty.path], once: true, log, onSynced: (_id, summary) => exportSynced(summary, formats, log) });
    try {
      await daemon.run();
    } finally {
      await pty.close();
      await camera.stop();
    }
    const synced = daemon.summaries.flatMap((s) => s.synced.map((r) => ({ camera: s.camera, ...r })));
    const got = await Promise.all(
      synced.map(async (r) => {
        const rec = await RecordingFile.open(r.path);
        const first = rec.frames[0];
        return { ...r, frames: rec.frames.length, frameSize: first ? `${first.width}x${first.height}` : null };
      }),
    );
    if (args.json) process.stdout.write(`${JSON.stringify({ ok: got.length > 0, root, recordings: got })}\n`);
    else {
      process.stdout.write(`\nGot ${got.length} recording(s) into ${root}:\n`);
      for (const r of got) process.stdout.write(`  ${r.camera}/${r.name}: ${r.frames} frames ${r.frameSize}, ${r.size} bytes, sha256 ${r.sha256.slice(0, 16)}… verified\n`);
      process.stdout.write(`Datasets (roverd trace, HDF5) in ${join(args.root, got[0]?.camera ?? '<camera>', 'datasets')}\n`);
      process.stdout.write(`\nNext: npx omvd sim --help (a camera to play with), npx omvd daemon --help (the real thing); npm link puts omvd on your PATH\n`);
    }
    if (got.length === 0) process.exitCode = 1;
  },
};

import type { CommandModule } from 'yargs';
import { DaemonClient, NoDaemonError } from '../../api/client.js';
import { clientSockets } from '../../api/paths.js';
import type { StatusJson } from '../../api/routes.js';
import type { CameraJson } from '../../daemon/camera.js';
import { jsonOption } from './camera-options.js';

interface Args {
  json: boolean;
}

const mb = (n: number): string => (n / 1e6).toFixed(1);

function describe(c: CameraJson): string {
  const who = `${c.id ?? '(no camera)'} on ${c.port}`;
  if (c.state !== 'connected') return `camera ${who}: ${c.state}${c.problem ? ` (${c.problem.error})` : ''}`;
  const s = c.sync;
  const sync = s.pausedFor ? `sync paused while capture ${s.pausedFor} runs` : s.state === 'paused' ? 'sync paused' : s.copying ? `copying ${s.copying.name} ${mb(s.copying.bytes)}/${mb(s.copying.total)} MB` : s.state === 'syncing' ? 'looking for new recordings' : 'up to date';
  const shared = s.shared && s.state !== 'paused' ? ' (in the live session\'s free time)' : '';
  const live = c.live.runs === 'capture' ? `, capture ${c.live.capture} (${c.live.frames} frames, ${c.live.dropped} dropped)` : c.live.runs === 'view' ? ', shown on the page' : '';
  return `camera ${who}: ${c.board ?? 'unknown board'}, firmware ${c.firmware}, ${sync}${shared}${live}; ${s.synced} recordings synced since the daemon started`;
}

export const statusCommand: CommandModule<object, Args> = {
  command: 'status',
  describe: 'Show the running daemon: its cameras, their sync and live state, and the page\'s URL (exit 1: no daemon)',
  builder: (y) => y.option('json', jsonOption) as never,
  handler: async (args) => {
    const { daemons, denied } = await DaemonClient.find();
    const daemon = daemons[0];
    if (!daemon) throw new NoDaemonError(clientSockets(), denied);
    const status = await daemon.json<StatusJson>('GET', '/api/v1/status');
    if (args.json) {
      process.stdout.write(`${JSON.stringify(status)}\n`);
      return;
    }
    process.stdout.write(`omvd daemon ${status.version}, pid ${status.pid}, since ${status.startedAt}: syncing into ${status.root}\n  API: ${status.socket}\n  page: ${status.url ?? 'none'}\n`);
    if (status.cameras.length === 0) process.stdout.write('  no camera yet\n');
    for (const c of status.cameras) process.stdout.write(`  ${describe(c)}\n`);
  },
};

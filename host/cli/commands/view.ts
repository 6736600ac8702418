import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { OmvError } from '../../../protocol/errors.js';
import { checkCameraField, SessionFileError } from '../../capture/session-file.js';
import type { CameraSetup } from '../../capture/session.js';
import { LiveView } from '../../view/server.js';
import { watchAttached, watchCamera } from '../../view/watch.js';
import { Daemons } from '../../api/route.js';
import { UsageError } from '../usage-error.js';
import { clientOptions, linkOptions, type LinkArgs } from './camera-options.js';

interface Args extends LinkArgs {
  port?: string[];
  listen: string;
  fps: string;
  pixformat: string;
  framesize: string;
  json: boolean;
}

/** The page of the daemon that serves the cameras (all of them when none are named), or null to serve our own. */
async function daemonPage(ports: string[]): Promise<string | null> {
  const daemons = await Daemons.find();
  if (!daemons.running) return null;
  if (ports.length === 0) return daemons.page;
  const served = await Promise.all(ports.map((p) => daemons.serving(p)));
  if (served.every((s) => s === null)) return null;
  const unserved = ports.filter((_p, i) => served[i] === null);
  if (unserved.length) throw new UsageError(`${unserved.join(', ')} ${unserved.length === 1 ? 'is' : 'are'} not served by the daemon, which holds the other cameras: view them in a separate run, or let the daemon serve them all`);
  const url = served[0]!.status.url;
  if (!url) throw new UsageError(`the daemon on ${served[0]!.daemon.socket} serves these cameras but no page (it runs without --page-port): stop it to view them here`);
  return url;
}

/** Waits for Ctrl-C or SIGTERM. */
const untilStopped = (): Promise<void> => new Promise((ok) => (process.once('SIGINT', () => ok()), process.once('SIGTERM', () => ok())));

function listenAddress(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = (at < 0 ? '' : listen.slice(0, at)).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const text = listen.slice(at + 1);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (at < 0 || !(port >= 0 && port <= 65535)) throw new OmvError('EUSAGE', `--listen ${listen}: give address:port, e.g. 127.0.0.1:8090 (port 0: any free one)`);
  return { host, port };
}

export const viewCommand: CommandModule<object, Args> = {
  command: 'view',
  describe: 'Watch the cameras\' live frames and state in a browser (a local page; nothing is recorded)',
  builder: (y) =>
    linkOptions(y)
      .option('port', { type: 'string', array: true, describe: 'camera serial port (repeat for several; default: every OpenMV camera attached, as it appears)' })
      .option('listen', { type: 'string', default: '127.0.0.1:8090', describe: 'address:port to serve on (loopback by default: the page has no authentication; port 0: any free one)' })
      .option('fps', { type: 'string', default: '15', describe: 'frame rate each camera runs at while viewed' })
      .option('pixformat', { type: 'string', default: 'GRAYSCALE', describe: 'pixel format of each camera while viewed: GRAYSCALE, RGB565, JPEG' })
      .option('framesize', { type: 'string', default: 'QVGA', describe: 'frame size of each camera while viewed: QQQVGA, QQVGA, HQVGA, QVGA, HVGA, VGA' })
      .option('json', { type: 'boolean', default: false, describe: 'print the URL as one JSON line, for scripts' })
      .example('$0 view --port /dev/ttyACM0', 'then open http://127.0.0.1:8090/; an absent camera shows as disconnected until it is plugged in') as never,
  handler: async (args) => {
    const { host, port } = listenAddress(args.listen);
    const fail = (field: string) => (msg: string): never => {
      throw new SessionFileError('command line', field, msg);
    };
    const settings: Omit<CameraSetup, 'port' | 'link'> = {
      ...checkCameraField('fps', /^\d+(\.\d+)?$/.test(args.fps) ? Number(args.fps) : args.fps, fail('--fps')),
      ...checkCameraField('pixformat', args.pixformat, fail('--pixformat')),
      ...checkCameraField('framesize', args.framesize, fail('--framesize')),
      liveSlots: 4,
    };
    const ports = (args.port ?? []).map((p) => resolve(p));
    const page = await daemonPage(ports);
    if (page) {
      // The daemon holds the cameras and runs their view itself (JPEG, QVGA, 10 fps): its page is the one to open.
      process.stdout.write(args.json ? `${JSON.stringify({ ok: true, url: page, ports })}\n` : `live view on ${page} (the daemon's page; Ctrl-C stops)\n`);
      await untilStopped();
      return;
    }
    const client = await clientOptions(args);
    const view = new LiveView();
    const url = await view.listen(host, port); // before any camera is opened: a busy port fails at once
    if (!/^(127\.|::1$|localhost$)/.test(host)) process.stderr.write(`omvd view: serving on ${host}, reachable from other machines; the page has no authentication\n`);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    process.stdout.write(args.json ? `${JSON.stringify({ ok: true, url, ports })}\n` : `live view on ${url} (Ctrl-C stops)\n`);
    try {
      if (ports.length) await Promise.all(ports.map((p) => watchCamera(view, { ...settings, port: p }, controller.signal, client)));
      else await watchAttached(view, settings, controller.signal, client);
    } finally {
      await view.close();
    }
  },
};

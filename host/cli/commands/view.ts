import type { CommandModule } from 'yargs';
import { runSession, FRAMESIZES, PIXFORMATS, type CameraSetup } from '../../capture/session.js';
import { LiveView } from '../../view/server.js';
import { cameraPorts, clientOptions, linkOptions, type LinkArgs } from './camera-options.js';

interface Args extends LinkArgs {
  port?: string[];
  listen: string;
  fps: number;
  pixformat: CameraSetup['pixformat'];
  framesize: CameraSetup['framesize'];
  json: boolean;
}

export const viewCommand: CommandModule<object, Args> = {
  command: 'view',
  describe: 'Watch the cameras\' live frames and status in a browser (a local page; nothing is recorded)',
  builder: (y) =>
    linkOptions(y)
      .option('port', { type: 'string', array: true, describe: 'camera serial port (repeat for several; default: every OpenMV camera found)' })
      .option('listen', { type: 'string', default: '127.0.0.1:8090', describe: 'address:port to serve on (loopback by default: the page has no authentication)' })
      .option('fps', { type: 'number', default: 15, describe: 'frame rate each camera runs at while viewed' })
      .option('pixformat', { type: 'string', choices: PIXFORMATS, default: 'GRAYSCALE', describe: 'pixel format of each camera while viewed' })
      .option('framesize', { type: 'string', choices: FRAMESIZES, default: 'QVGA', describe: 'frame size of each camera while viewed' })
      .example('$0 view --port /dev/ttyACM0', 'then open http://127.0.0.1:8090/')
      .option('json', { type: 'boolean', default: false, describe: 'print the URL as a JSON line, for scripts' }) as never,
  handler: async (args) => {
    const at = args.listen.lastIndexOf(':');
    const host = args.listen.slice(0, at) || '127.0.0.1';
    const port = Number(args.listen.slice(at + 1));
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen ${args.listen}: give address:port, e.g. 127.0.0.1:8090`);
    if (!/^(127\.|::1$|localhost$|\[::1\]$)/.test(host)) process.stderr.write(`omvd view: serving on ${host}, reachable from other machines; the page has no authentication\n`);
    const cameras = (await cameraPorts(args.port)).map((p) => ({ port: p, fps: args.fps, pixformat: args.pixformat, framesize: args.framesize, liveSlots: 4 }));
    const view = new LiveView();
    const url = await view.listen(host.replace(/^\[|\]$/g, ''), port);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    process.stdout.write(args.json ? `${JSON.stringify({ ok: true, url })}\n` : `live view on ${url} (Ctrl-C stops)\n`);
    try {
      await runSession({ cameras, sinks: [view.sink], signal: controller.signal, client: await clientOptions(args) });
    } finally {
      await view.close();
    }
  },
};

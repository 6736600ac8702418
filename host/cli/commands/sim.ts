import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { BOARD_IDS, BOARDS, DEFAULT_BOARD, type BoardId } from '../../sim/boards.js';
import { checkPtyPath, servePty } from '../../sim/pty.js';
import { SCENE_PIXFORMATS, type ScenePixformat } from '../../sim/scene.js';
import { FRAME_SIZES, VirtualCamera, type FrameSizeName } from '../../sim/virtual-camera.js';

interface Args {
  pty: string;
  record?: number;
  fps: number;
  pixformat: ScenePixformat;
  framesize: FrameSizeName;
  sd?: string;
  link: 'native' | 'python';
  id?: string;
  scripts?: string;
  board: BoardId;
  'sd-mb'?: number;
  quiet: boolean;
  json: boolean;
}

export const simCommand: CommandModule<object, Args> = {
  command: 'sim',
  describe: 'Run a virtual OpenMV camera (the device scripts in real MicroPython) on a pseudo-terminal',
  builder: (y) =>
    y
      .option('pty', { type: 'string', default: './omvd-cam', describe: 'path of the serial port to create (a symlink to the pty); open it at 921600 baud' })
      .option('record', { type: 'number', describe: 'also record to the SD card for this many seconds when starting' })
      .option('fps', { type: 'number', default: 30, describe: 'sensor frame rate' })
      .option('pixformat', { type: 'string', choices: Object.keys(SCENE_PIXFORMATS), default: 'GRAYSCALE', describe: 'sensor pixel format for --record' })
      .option('framesize', { type: 'string', choices: Object.keys(FRAME_SIZES), default: 'QVGA', describe: 'sensor frame size for --record' })
      .option('sd', { type: 'string', describe: 'folder that plays the SD card (default: a new temporary folder, printed)' })
      .option('link', { type: 'string', choices: ['native', 'python'], default: 'native', describe: 'native = firmware 5.x Protocol V2; python = firmware 4.x with the scripts\' pure-MicroPython link (host opens at 115200)' })
      .option('id', { type: 'string', describe: 'unique id, 24 hex digits (default: derived from the SD folder, so the same card is the same camera)' })
      .option('scripts', { type: 'string', describe: 'run the device scripts in this folder (its main.py) instead of omvd\'s' })
      .option('board', {
        type: 'string',
        choices: BOARD_IDS,
        default: DEFAULT_BOARD,
        describe: `which camera to play: ${BOARD_IDS.map((id) => `${id} (${BOARDS[id].product}, ${BOARDS[id].usbSpeed} speed USB, ${BOARDS[id].bufferSize}-byte protocol buffers)`).join('; ')}`,
      })
      .option('sd-mb', { type: 'number', describe: 'size of the SD card in MB (10^6 bytes); it fills up as a real one does (default: the host disk\'s free space)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'do not print the script\'s output' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON line when serving (path, device, sd, id, link, baud, board), for scripts' })
      .example('$0 sim --pty ./cam --record 5', 'serve a camera at ./cam that records 5 s of QVGA grayscale to its SD card')
      .example('$0 sim --pty /tmp/cam2 --sd ./sd2 --pixformat JPEG', 'a second camera beside the first, with its own SD card and id')
      .example('$0 sim --pty ./cam --board RT1062 --sd-mb 64', 'a high-speed RT1062 whose 64 MB card can fill up') as never,
  handler: async (args) => {
    const path = resolve(args.pty);
    checkPtyPath(path); // before the camera boots: a bad path fails at once
    const camera = await VirtualCamera.start({
      fps: args.fps,
      pixformat: args.pixformat,
      framesize: args.framesize,
      link: args.link,
      board: args.board,
      ...(args['sd-mb'] === undefined ? {} : { sdBytes: Math.round(args['sd-mb'] * 1e6) }),
      ...(args.sd === undefined ? {} : { sdDir: resolve(args.sd) }),
      ...(args.record === undefined ? {} : { recordSeconds: args.record }),
      ...(args.id === undefined ? {} : { uid: args.id }),
      ...(args.scripts === undefined ? {} : { scriptsDir: resolve(args.scripts) }),
      onLog: args.quiet ? () => {} : (line) => process.stderr.write(`[camera] ${line}\n`),
    });
    const pty = await servePty(camera.link, path).catch(async (e: unknown) => {
      await camera.stop();
      throw e;
    });
    const baud = args.link === 'native' ? 921600 : 115200;
    if (args.json) process.stdout.write(`${JSON.stringify({ ok: true, path, device: pty.device, sd: camera.sdDir, id: camera.uid, link: args.link, baud, board: args.board })}\n`);
    else process.stdout.write(`virtual ${camera.board.product} ${camera.uid} serving on ${path} (${pty.device}); open it at ${baud} baud\nSD card: ${camera.sdDir}\nCtrl-C stops it (recordings are closed first).\n`);
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await pty.close();
      const result = await camera.stop();
      if (result.error) process.stderr.write(`omvd sim: the camera ended with an error: ${result.error}\n`);
      process.exit(result.error ? 1 : 0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    const ended = await camera.exited;
    if (!stopping) {
      await pty.close();
      process.stderr.write(`omvd sim: the camera's firmware stopped${ended.error ? `: ${ended.error}` : ''}\n`);
      process.exit(1);
    }
  },
};

import { createHash } from 'node:crypto';
import { mkdtempSync, realpathSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { OmvError } from '../../protocol/errors.js';
import { packageInfo } from '../package-info.js';
import { startWorker } from '../threads.js';
import { BOARD_IDS, BOARDS, DEFAULT_BOARD, isBoardId, type BoardId, type BoardProfile } from './boards.js';
import type { FromFirmware } from './firmware/runtime.js';
import { createMailbox, type MailboxSender } from './mailbox.js';
import { renderFrame, SCENE_PIXFORMATS, type ScenePixformat } from './scene.js';
import type { WorkerSetup } from './worker.js';

export const FRAME_SIZES = { QQQVGA: [80, 60], QQVGA: [160, 120], HQVGA: [240, 160], QVGA: [320, 240], HVGA: [480, 320], VGA: [640, 480] } as const;
export type FrameSizeName = keyof typeof FRAME_SIZES;

export interface VirtualCameraOptions {
  /** The folder that plays the SD card (created if missing). Default: a new temporary folder. */
  sdDir?: string;
  /** The sensor's frame rate. Default 30. */
  fps?: number;
  pixformat?: ScenePixformat;
  framesize?: FrameSizeName;
  /** Record to the SD card for this many seconds after starting. */
  recordSeconds?: number;
  /** `native`: firmware 5.x with the protocol module (default); `python`: 4.x, the scripts' own link. */
  link?: 'native' | 'python';
  /** 24 hex digits. Default: derived from the SD folder's path, so the same card gives the same camera. */
  uid?: string;
  /** The script's printed lines and the firmware's notes. */
  onLog?: (line: string) => void;
  /** A folder of device scripts to run instead of omvd's (its main.py starts), e.g. to try your own. */
  scriptsDir?: string;
  /** Which camera to play (boards.ts): its protocol buffers, USB ids and speed, and sensor. Default H7. */
  board?: BoardId;
  /** The SD card's size in bytes; it fills up as a real card does. Default: the host disk's free space. */
  sdBytes?: number;
}

export class VirtualCameraError extends OmvError {
  constructor(message: string) {
    super('ESIM', message);
  }
}

const PREFETCH = 3;

/**
 * A virtual OpenMV camera (an H7 unless another board is asked for): omvd's device scripts running unmodified in
 * MicroPython (WebAssembly) on a worker thread, on top of emulated firmware. `link` is the camera's end of its USB serial port: write the host's bytes
 * into it, read the camera's from it (or serve it on a pseudo-terminal with servePty).
 */
export class VirtualCamera {
  readonly link: Duplex;
  readonly exited: Promise<{ error?: string }>;
  private readonly frames: FrameProducer;

  private constructor(
    private readonly worker: Worker,
    private readonly mailbox: MailboxSender,
    readonly sdDir: string,
    readonly uid: string,
    readonly board: BoardProfile,
    readonly options: Required<Pick<VirtualCameraOptions, 'fps' | 'pixformat' | 'framesize' | 'link'>>,
    onLog: (line: string) => void,
    ready: () => void,
  ) {
    this.frames = new FrameProducer(mailbox);
    this.link = new Duplex({
      write: (chunk: Buffer, _enc, done) => {
        this.mailbox.post({ t: 'rx', data: new Uint8Array(chunk) });
        done();
      },
      read: () => {},
    });
    this.exited = new Promise((resolve) => {
      worker.on('message', (m: FromFirmware) => {
        if (m.t === 'tx') this.link.push(m.data);
        else if (m.t === 'sensor') this.frames.configure(m.config, m.width, m.height, m.pixformat);
        else if (m.t === 'took') this.frames.took(m.config);
        else if (m.t === 'log') onLog(m.line);
        else if (m.t === 'ready') ready();
        else if (m.t === 'exit') {
          this.link.push(null);
          resolve(m.error === undefined ? {} : { error: m.error });
        }
      });
      worker.on('error', (e) => resolve({ error: e.message }));
      worker.on('exit', () => resolve({}));
    });
  }

  static async start(options: VirtualCameraOptions = {}): Promise<VirtualCamera> {
    const sdDir = options.sdDir ?? mkdtempSync(join(tmpdir(), 'omvd-sd-'));
    mkdirSync(sdDir, { recursive: true });
    const uid = (options.uid ?? createHash('sha256').update(realpathSync(sdDir)).digest('hex').slice(0, 24)).toUpperCase();
    if (!/^[0-9A-F]{24}$/.test(uid)) throw new VirtualCameraError(`unique id "${options.uid}" must be 24 hex digits`);
    const fps = options.fps ?? 30;
    if (!(fps > 0 && fps <= 1000)) throw new VirtualCameraError(`fps ${fps} is out of range: give 1 to 1000`);
    const pixformat = options.pixformat ?? 'GRAYSCALE';
    const framesize = options.framesize ?? 'QVGA';
    const link = options.link ?? 'native';
    const boardId = options.board ?? DEFAULT_BOARD;
    if (!isBoardId(boardId)) throw new VirtualCameraError(`unknown board "${String(boardId)}": give one of ${BOARD_IDS.join(', ')}`);
    const board: BoardProfile = BOARDS[boardId];
    if (!board.sensor.pixformats.includes(pixformat)) throw new VirtualCameraError(`the ${board.product}'s ${board.sensor.name} sensor makes ${board.sensor.pixformats.join(', ')}, not ${pixformat}`);
    if (options.sdBytes !== undefined && !(Number.isSafeInteger(options.sdBytes) && options.sdBytes >= 1 << 20)) throw new VirtualCameraError(`SD card size ${options.sdBytes} must be a whole number of bytes, at least 1 MiB`);
    const root = packageInfo().root;
    const box = createMailbox();
    const setup: WorkerSetup = {
      port: box.port,
      signal: box.signal,
      sdDir,
      uid,
      fps,
      link,
      board,
      ...(options.sdBytes === undefined ? {} : { sdBytes: options.sdBytes }),
      scriptsDir: options.scriptsDir ?? join(root, 'device-scripts'),
      firmwareDir: join(root, 'host/sim/firmware/py'),
      config: {
        storage: '/sdcard',
        record: { pixformat, framesize, fps },
        autostart_record_s: options.recordSeconds ?? 0,
      },
    };
    const worker = startWorker(import.meta.url, 'worker', setup, [], [box.port]);
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const camera = new VirtualCamera(worker, box.sender, sdDir, uid, board, { fps, pixformat, framesize, link }, options.onLog ?? (() => {}), ready);
    const failed = camera.exited.then((r) => {
      throw new VirtualCameraError(`the virtual camera stopped while starting: ${r.error ?? 'no reason given'}`);
    });
    await Promise.race([started, failed]);
    return camera;
  }

  /** Pulls the plug: the firmware thread dies at once, mid-whatever, as a camera losing power does. */
  async kill(): Promise<void> {
    this.mailbox.close();
    await this.worker.terminate();
    this.link.destroy(); // the host's port closes, as it does on an unplug
  }

  /** Ends the device script (SystemExit, so recordings are closed) and the firmware thread. */
  async stop(): Promise<{ error?: string }> {
    this.mailbox.post({ t: 'stop' });
    const result = await this.exited;
    this.mailbox.close();
    await this.worker.terminate();
    return result;
  }
}

/** Renders frames for the firmware thread ahead of time, a few at a time, for its current sensor setting. */
class FrameProducer {
  private config = -1;
  private width = 0;
  private height = 0;
  private pixformat: ScenePixformat = 'GRAYSCALE';
  private outstanding = 0;
  private index = 0;
  private chain = Promise.resolve();

  constructor(private readonly mailbox: MailboxSender) {}

  configure(config: number, width: number, height: number, pixformat: number): void {
    const name = (Object.keys(SCENE_PIXFORMATS) as ScenePixformat[]).find((k) => SCENE_PIXFORMATS[k] === pixformat);
    if (!name) return;
    Object.assign(this, { config, width, height, pixformat: name, outstanding: 0 });
    this.fill();
  }

  took(config: number): void {
    if (config !== this.config) return;
    this.outstanding--;
    this.fill();
  }

  private fill(): void {
    while (this.outstanding < PREFETCH) {
      this.outstanding++;
      const { config, width, height, pixformat } = this;
      const index = this.index++;
      this.chain = this.chain.then(async () => {
        const data = await renderFrame(width, height, pixformat, index);
        if (config === this.config) this.mailbox.post({ t: 'frame', config, data }, [data.buffer as ArrayBuffer]);
      });
    }
  }
}

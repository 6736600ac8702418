import { OmvError } from '../../protocol/errors.js';
import { runSession, type CameraSetup } from '../capture/session.js';
import type { CaptureSink } from '../capture/sinks.js';
import type { V2Client } from '../v2/client.js';
import { LiveFeed, type LiveStatus } from '../view/feed.js';
import type { DaemonCamera } from './camera.js';

/** What the page's view of a camera runs at when no capture has it: JPEG, small enough for a full-speed camera. */
export const VIEW_SETTINGS = { pixformat: 'JPEG', framesize: 'QVGA', fps: 10, liveSlots: 4 } as const satisfies Partial<CameraSetup>;
/** The view stops this long after the last look at the camera's frames (the page asks several times a second). */
const VIEW_IDLE_MS = 10_000;
/** After a view that could not start (no live channel, a refused setting), the next try waits this long. */
const VIEW_RETRY_MS = 5000;

export interface LiveJson extends LiveStatus {
  /** What runs on the camera's live ring: nothing, the page's view, or a capture. */
  runs: 'off' | 'view' | 'capture';
  capture: string | null;
  /** Why the view is not running (recording on the camera's storage, or it failed to start). */
  note?: string;
}

export class CameraBusyError extends OmvError {
  constructor(camera: string, capture: string) {
    super('ECAMERABUSY', `camera ${camera} is taken by capture ${capture}: wait for it to end, or stop it (POST /api/v1/captures/${capture}/stop); captures of one camera never interleave`);
  }
}

interface Session {
  kind: 'view' | 'capture';
  capture: string | null;
  stop?: AbortController;
  done?: Promise<void>;
}

/** A camera's live ring in the daemon: one session at a time, a capture's or the page's view, live requests first. */
export class CameraLive {
  readonly feed = new LiveFeed();
  private session: Session | null = null;
  private replaced: Session | null = null;
  private lastLook = 0;
  private retryAt = 0;
  private note: string | null = null;
  private readonly onEnd: (() => void)[] = [];

  constructor(private readonly camera: DaemonCamera) {}

  get active(): boolean {
    return this.session !== null;
  }

  json(): LiveJson {
    return { runs: this.session?.kind ?? 'off', capture: this.session?.capture ?? null, ...this.feed.status, ...(this.note && !this.session ? { note: this.note } : {}) };
  }

  /** Someone looks at the camera's frames: the view runs (unless a capture does) until nobody has for a while. */
  look(): void {
    this.lastLook = Date.now();
    const { lanes, catalog } = this.camera;
    if (this.session || !lanes || Date.now() < this.retryAt) return;
    if (catalog?.recorder?.file) {
      this.note = `recording ${catalog.recorder.file} on the camera's storage: the view starts when that recording ends`;
      return;
    }
    const session: Session = { kind: 'view', capture: null, stop: new AbortController() };
    this.session = session;
    session.done = (async () => {
      const idle = setInterval(() => {
        if (Date.now() - this.lastLook > VIEW_IDLE_MS && this.feed.watchers === 0) session.stop!.abort();
      }, 1000);
      try {
        await this.camera.makeWayForLive();
        lanes.liveSession = true;
        await runSession({ cameras: [{ client: lanes.live, port: this.camera.port, ...VIEW_SETTINGS }], sinks: [this.feed.sink(VIEW_SETTINGS)], signal: session.stop!.signal });
        this.note = null;
      } catch (e) {
        this.note = `the view could not run: ${(e as Error).message}`;
        this.retryAt = Date.now() + VIEW_RETRY_MS;
      } finally {
        clearInterval(idle);
        this.feed.off();
        if (this.session === session) this.end();
      }
    })();
  }

  /** Takes the camera for `capture` (refused while another capture has it); `ready` then hands over the link. */
  reserve(capture: string): void {
    if (this.session?.kind === 'capture') throw new CameraBusyError(this.camera.id ?? this.camera.port, this.session.capture!);
    this.replaced = this.session;
    this.session = { kind: 'capture', capture };
  }

  /** Once reserved: the view makes way, and the capture gets the live side of the connection and the feed's sink. */
  async ready(settings: Pick<CameraSetup, 'pixformat' | 'framesize'>): Promise<{ client: V2Client; sink: CaptureSink }> {
    const view = this.replaced;
    this.replaced = null;
    view?.stop?.abort();
    await view?.done;
    await this.camera.holdSync(this.session!.capture!);
    const lanes = this.camera.lanes;
    if (!lanes) throw new OmvError('ECLOSED', `camera ${this.camera.id ?? this.camera.port} went away before the capture could start`);
    lanes.liveSession = true;
    return { client: lanes.live, sink: this.feed.sink(settings) };
  }

  release(capture: string): void {
    if (this.session?.capture === capture) this.end();
  }

  private end(): void {
    if (this.session?.capture) this.camera.releaseSync(this.session.capture);
    this.session = null;
    if (this.camera.lanes) this.camera.lanes.liveSession = false;
    this.camera.syncSoon();
    for (const fn of this.onEnd.splice(0)) fn();
  }

  /** Waits for a capture on the camera to end (the connection stays for it). */
  async ended(): Promise<void> {
    while (this.session?.kind === 'capture') await new Promise<void>((ok) => this.onEnd.push(ok));
  }

  /** The connection closes: the view stops; a capture finds the camera gone. */
  async close(): Promise<void> {
    const s = this.session;
    if (s?.kind !== 'view') return;
    s.stop!.abort();
    await s.done;
  }
}

import { OmvError } from '../../protocol/errors.js';
import { connectCamera, type Connection } from '../discovery/connect.js';
import { identifyUsb } from '../discovery/usb-ids.js';
import type { Logger } from '../log.js';
import { fetchCatalog, OMVD_CHANNELS, type Catalog } from '../sync/catalog.js';
import { syncCamera, type SyncSummary } from '../sync/engine.js';
import { installScripts } from '../sync/install.js';
import { startRecording, type OnCameraRecording } from '../capture/on-camera.js';
import type { CameraSetup } from '../capture/session.js';
import type { ClientStats } from '../v2/client.js';
import { CameraLive, type LiveJson } from './camera-live.js';
import type { DaemonOptions } from './daemon.js';
import type { EventBus } from './events.js';
import { Lanes } from './lanes.js';
import { Wakeup } from './wakeup.js';

/** Reads per sync request while a live session shares the camera: small, so a live request waits little. */
const SHARED_CHUNK = 8 * 1024;

export interface SyncJson {
  state: 'syncing' | 'idle' | 'paused';
  /** The capture the sync is paused for (it goes on by itself when that capture ends); null otherwise. */
  pausedFor: string | null;
  /** The page's view has the camera: the sync runs in the time its live ring leaves free. */
  shared: boolean;
  /** The recording being copied, and how far. */
  copying: { name: string; bytes: number; total: number } | null;
  passes: number;
  synced: number;
  failed: number;
  lastPassAt: string | null;
}

/** One camera port as the API shows it (`GET /api/v1/cameras`). */
export interface CameraJson {
  id: string | null;
  port: string;
  state: 'connecting' | 'connected' | 'disconnected';
  board: string | null;
  firmware: string | null;
  /** Why the port has no camera (it went away, or none answered). */
  problem?: { code: string; error: string };
  sync: SyncJson;
  live: LiveJson;
  link: ClientStats | null;
}

export interface PassOptions {
  dryRun?: boolean;
  deleteAfterSync?: boolean;
}

interface PassRequest {
  options: PassOptions;
  resolve(summary: SyncSummary): void;
  reject(err: unknown): void;
}

/** What the daemon gives each of its cameras. */
export interface CameraContext {
  options: DaemonOptions;
  signal: AbortSignal;
  events: EventBus;
  onSummary(summary: SyncSummary): void;
  onFailure(failure: { port: string; camera?: string; code: string; error: string }): void;
}

export class SyncPausedError extends OmvError {
  constructor(camera: string) {
    super('ESYNCPAUSED', `the sync of camera ${camera} is paused: resume it first (POST /api/v1/cameras/${camera}/resume)`);
  }
}

export class SyncHeldError extends OmvError {
  constructor(camera: string, capture: string) {
    super('ESYNCPAUSED', `the sync of camera ${camera} is paused while capture ${capture} runs on it: sync again when the capture has ended (the daemon syncs it by itself then)`);
  }
}

const codeOf = (e: unknown): string => (e as OmvError).code ?? 'EINTERNAL';
const gone = (e: unknown): boolean => e instanceof OmvError && (e.code === 'ECLOSED' || e.code === 'ETIMEDOUT');

/**
 * One camera port of the daemon: connects (`serve`, once per connection), keeps the camera's recordings mirrored in
 * passes (every few seconds, or at once when asked, paused and resumed on request), and lends the connection to
 * live sessions (`live`) with live requests first: the page's view shares the camera with the sync, a capture
 * pauses the sync until it ends.
 */
export class DaemonCamera {
  state: CameraJson['state'] = 'connecting';
  id: string | null = null;
  board: string | null = null;
  firmware: string | null = null;
  problem: { code: string; error: string } | null = null;
  /** What the camera listed at the start of the latest pass. */
  catalog: Catalog | null = null;
  lanes: Lanes | null = null;
  readonly live: CameraLive;
  private paused = false;
  /** The capture that has the camera: no sync pass runs until it ends, so none can cost it a frame. */
  private heldFor: string | null = null;
  private again = false;
  private pass: { abort: AbortController; deleting: boolean; done: Promise<void> } | null = null;
  private readonly requests: PassRequest[] = [];
  private readonly wakeup = new Wakeup();
  private readonly sync: Omit<SyncJson, 'shared' | 'pausedFor'> = { state: 'idle', copying: null, passes: 0, synced: 0, failed: 0, lastPassAt: null };

  constructor(
    readonly port: string,
    private readonly ctx: CameraContext,
  ) {
    this.live = new CameraLive(this);
  }

  json(): CameraJson {
    const problem = this.state !== 'connected' && this.problem ? { problem: this.problem } : {};
    return { id: this.id, port: this.port, state: this.state, board: this.board, firmware: this.firmware, ...problem, sync: { ...this.sync, ...(this.heldFor ? { state: 'paused' } : {}), pausedFor: this.heldFor, shared: this.live.active && !this.heldFor }, live: this.live.json(), link: this.lanes?.client.stats ?? null };
  }

  /** One connection's life: connect, sync until the camera goes away (or the daemon stops), disconnect. */
  async serve(): Promise<void> {
    const { options, signal, events } = this.ctx;
    const log = options.log;
    this.state = 'connecting';
    let conn: Connection;
    try {
      conn = await connectCamera(this.port, { ...options.client, log: log.child({ port: this.port }) }, signal);
    } catch (e) {
      if (signal.aborted) {
        this.state = 'disconnected';
        return;
      }
      const reason = { code: codeOf(e), error: (e as Error).message };
      if (this.problem?.code === reason.code) log.debug({ port: this.port }, `still no camera on ${this.port}: ${reason.error}`);
      else log.warn({ port: this.port }, `no camera on ${this.port}: ${reason.error}${options.once ? '' : ' (looking again every few seconds; logged again when this changes)'}`);
      this.problem = reason;
      this.state = 'disconnected';
      if (options.once) this.ctx.onFailure({ port: this.port, ...reason });
      else await this.wakeup.sleep(5000, signal);
      return;
    }
    const client = conn.client;
    const id = client.camera.sysInfo.uniqueId;
    const clog = log.child({ camera: id });
    Object.assign(this, { id, problem: null, firmware: client.camera.version.firmware.join('.'), board: identifyUsb(client.camera.sysInfo.usbVid.toString(16), client.camera.sysInfo.usbPid.toString(16))?.board ?? null });
    this.lanes = new Lanes(client);
    this.state = 'connected';
    clog.info({ port: this.port, firmware: this.firmware }, 'camera connected');
    events.emit({ type: 'camera.connected', camera: id, port: this.port, board: this.board, firmware: this.firmware! });
    let reason = { code: 'ECLOSED', error: 'the daemon stopped' };
    try {
      if (options.installScripts && client.channelId(OMVD_CHANNELS.catalog) === undefined) {
        clog.info('the camera lacks omvd\'s channels: installing the device scripts (its recordings are not touched)');
        await installScripts(client);
        clog.info('device scripts installed and running');
      }
      await this.passes(id, clog);
    } catch (e) {
      reason = { code: codeOf(e), error: (e as Error).message };
      if (!signal.aborted) {
        if (gone(e)) clog.warn(`camera went away (${reason.error}); it will be picked up again when it comes back`);
        else {
          clog.error({ code: reason.code }, `sync stopped: ${reason.error}`);
          events.emit({ type: 'error', camera: id, port: this.port, ...reason });
          await this.live.ended(); // a capture on the camera goes on to its end
        }
        if (options.once) this.ctx.onFailure({ port: this.port, camera: id, ...reason });
      }
    } finally {
      for (const r of this.requests.splice(0)) r.reject(new OmvError(reason.code, reason.error));
      await this.live.close();
      await conn.close();
      this.lanes = null;
      this.state = 'disconnected';
      this.problem = reason;
      clog.info('camera disconnected');
      events.emit({ type: 'camera.disconnected', camera: id, port: this.port, reason });
    }
  }

  /** Sync passes until the daemon stops (or after one, with `once`). */
  private async passes(id: string, log: Logger): Promise<void> {
    const { options, signal, events } = this.ctx;
    const interval = (options.intervalS ?? 2) * 1000;
    for (let first = true; ; first = false) {
      const request = first ? null : await this.nextPass(interval);
      if (signal.aborted) return;
      const abort = new AbortController();
      const deleting = (request?.options.deleteAfterSync ?? options.deleteAfterSync ?? false) && !this.live.active;
      let settle = (): void => {};
      this.pass = { abort, deleting, done: new Promise((ok) => (settle = ok)) };
      this.sync.state = 'syncing';
      let summary: SyncSummary;
      try {
        const client = this.lanes!.sync;
        this.catalog = await fetchCatalog(client);
        summary = await syncCamera(client, options.root, {
          ...options,
          ...request?.options,
          ...(this.live.active ? { chunk: SHARED_CHUNK } : {}),
          deleteAfterSync: deleting,
          signal: AbortSignal.any([signal, abort.signal]),
          log,
          onProgress: (name, bytes, total) => {
            this.sync.copying = { name, bytes, total };
            options.onCopyProgress?.(id, name, bytes, total);
          },
        });
      } catch (e) {
        if (abort.signal.aborted && !signal.aborted) {
          if (request) this.requests.unshift(request);
          this.again = true;
          continue; // paused, or made way for a live session: the pass starts again
        }
        request?.reject(e);
        throw e;
      } finally {
        this.pass = null;
        this.sync.copying = null;
        this.sync.state = this.paused ? 'paused' : 'idle';
        settle();
      }
      Object.assign(this.sync, { passes: this.sync.passes + 1, synced: this.sync.synced + summary.synced.length, failed: summary.failed.length, lastPassAt: new Date().toISOString() });
      for (const r of summary.synced) events.emit({ type: 'recording.synced', camera: id, name: r.name, size: r.size, sha256: r.sha256, path: r.path });
      for (const f of summary.failed) events.emit({ type: 'sync.failed', camera: id, ...f });
      this.ctx.onSummary(summary);
      await options.onSynced?.(id, summary);
      request?.resolve(summary);
      if (options.once || signal.aborted) return;
    }
  }

  /** Waits for the next pass: one asked for, else (unless paused) the next look after `interval`. */
  private async nextPass(interval: number): Promise<PassRequest | null> {
    const due = Date.now() + interval;
    for (;;) {
      if (this.ctx.signal.aborted) return null;
      if (this.requests.length && !this.heldFor) return this.requests.shift()!;
      if (!this.paused && !this.heldFor && (this.again || Date.now() >= due)) {
        this.again = false;
        return null;
      }
      await this.wakeup.sleep(this.paused || this.heldFor ? 3_600_000 : due - Date.now(), this.ctx.signal);
    }
  }

  /** A pass now, with these options; resolves with its summary. */
  syncNow(options: PassOptions = {}): Promise<SyncSummary> {
    if (this.paused) return Promise.reject(new SyncPausedError(this.id ?? this.port));
    if (this.heldFor) return Promise.reject(new SyncHeldError(this.id ?? this.port, this.heldFor));
    return new Promise((resolve, reject) => {
      this.requests.push({ options, resolve, reject });
      this.wakeup.wake();
    });
  }

  /** A pass soon (after a live session ended, say), without waiting for it. */
  syncSoon(): void {
    this.again = true;
    this.wakeup.wake();
  }

  /** Pauses the sync; resolves once no sync request is in flight (the pass under way stops, its verified bytes stay). */
  async pause(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    this.sync.state = 'paused';
    const pass = this.pass;
    pass?.abort.abort();
    for (const r of this.requests.splice(0)) r.reject(new SyncPausedError(this.id ?? this.port));
    await pass?.done;
    this.ctx.events.emit({ type: 'sync.paused', camera: this.id ?? this.port });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.sync.state = 'idle';
    this.syncSoon();
    this.ctx.events.emit({ type: 'sync.resumed', camera: this.id ?? this.port });
  }

  /**
   * Starts a timed recording on the camera's own storage (`omvd capture --record-on-camera`): the camera's live ring
   * is taken for the two commands that start it (a capture meanwhile is refused, the view makes way, the sync
   * waits), then the sync follows the growing recording and the view waits for its end.
   */
  async recordOnCamera(setup: CameraSetup, seconds: number): Promise<OnCameraRecording> {
    const hold = 'record-on-camera';
    this.live.reserve(hold);
    try {
      const { client } = await this.live.ready(setup);
      const started = await startRecording(client, this.port, setup, seconds);
      this.catalog = await fetchCatalog(client);
      return started;
    } finally {
      this.live.release(hold);
    }
  }

  /**
   * Before `capture` starts on the camera: the sync pass under way stops (its verified bytes stay, and it starts
   * again after the capture), and none starts until `releaseSync`.
   */
  async holdSync(capture: string): Promise<void> {
    this.heldFor = capture;
    const pass = this.pass;
    pass?.abort.abort();
    await pass?.done;
    this.ctx.events.emit({ type: 'sync.paused', camera: this.id ?? this.port, capture });
  }

  releaseSync(capture: string): void {
    if (this.heldFor !== capture) return;
    this.heldFor = null;
    this.syncSoon();
    this.ctx.events.emit({ type: 'sync.resumed', camera: this.id ?? this.port, capture });
  }

  /**
   * Before a live session starts: a pass that may delete on the camera (whose control commands would mix with the
   * session's) is stopped and started again without deleting; other passes go on in the session's free time.
   */
  async makeWayForLive(): Promise<void> {
    const pass = this.pass;
    if (!pass?.deleting) return;
    pass.abort.abort();
    await pass.done;
  }
}

import { realpath } from 'node:fs/promises';
import { OmvError } from '../../protocol/errors.js';
import { listPorts } from '../discovery/ports.js';
import type { Logger } from '../log.js';
import type { ClientOptions } from '../v2/client.js';
import type { Meta } from '../datasets/meta.js';
import type { SyncOptions, SyncSummary } from '../sync/engine.js';
import { DaemonCamera } from './camera.js';
import { EventBus } from './events.js';
import { Wakeup } from './wakeup.js';

export interface DaemonOptions extends Pick<SyncOptions, 'deleteAfterSync' | 'chunk' | 'tailPollMs' | 'dryRun' | 'removedFromHost'> {
  root: string;
  /** Ports to use; `auto` (default) watches for OpenMV cameras by USB id. */
  ports?: string[] | 'auto';
  /** Sync each camera once and stop (omvd sync --once). */
  once?: boolean;
  /** Seconds between looks for new cameras and new recordings. Default 2. */
  intervalS?: number;
  log: Logger;
  /** How connections are made (the link policy); the daemon adds its per-camera logger. */
  client?: ClientOptions;
  /** dclab metadata for the HDF5 outputs of the captures it runs (the config file's `meta`), under each session's own. */
  meta?: Meta;
  /** Put omvd's device scripts on a camera that lacks them (firmware 5.x, through its stdin channel). */
  installScripts?: boolean;
  /** Bytes of a recording copied so far, for a progress display. */
  onCopyProgress?: (camera: string, name: string, bytes: number, total: number) => void;
  /** After each sync pass of a camera (the export and upload hooks: look at `summary.synced` for what is new). */
  onSynced?: (cameraId: string, summary: SyncSummary) => Promise<void> | void;
}

export class NoSuchCameraError extends OmvError {
  constructor(what: string, known: string[]) {
    super('ENOCAMERA', `the daemon has no camera ${what} (it serves: ${known.join(', ') || 'none yet'}); see GET /api/v1/cameras or omvd status`);
  }
}

/**
 * The daemon: finds cameras (explicit ports, or by polling the USB serial ports), connects to each new one, and
 * keeps its recordings mirrored until the camera goes away; unplug and replug are events, not errors. Identity is
 * the camera's unique id, never the port path. Each port is a DaemonCamera, which also lends its connection to
 * live sessions (captures, the page's view) through the API.
 */
export class Daemon {
  private readonly active = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();
  private readonly wakeup = new Wakeup();
  readonly cameras = new Map<string, DaemonCamera>();
  readonly events = new EventBus();
  readonly startedAt = new Date().toISOString();
  readonly summaries: SyncSummary[] = [];
  /** Ports that gave no camera, and cameras whose sync stopped (why, with the error's code). */
  readonly failures: { port: string; camera?: string; code: string; error: string }[] = [];

  constructor(readonly options: DaemonOptions) {}

  stop(): void {
    this.controller.abort();
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async run(): Promise<void> {
    const { log } = this.options;
    const interval = (this.options.intervalS ?? 2) * 1000;
    for (;;) {
      const paths = await this.candidatePorts();
      for (const path of paths) {
        if (this.active.has(path) || this.stopped) continue;
        const task = this.camera(path)
          .serve()
          .finally(() => this.active.delete(path));
        this.active.set(path, task);
      }
      if (this.options.once) {
        await Promise.all(this.active.values());
        return;
      }
      if (this.stopped) break;
      await this.wakeup.sleep(interval, this.controller.signal);
      if (this.stopped) break;
    }
    await Promise.all(this.active.values());
    log.info('daemon stopped');
  }

  private camera(path: string): DaemonCamera {
    let cam = this.cameras.get(path);
    if (!cam) {
      cam = new DaemonCamera(path, {
        options: this.options,
        signal: this.controller.signal,
        events: this.events,
        onSummary: (s) => this.summaries.push(s),
        onFailure: (f) => this.failures.push(f),
      });
      this.cameras.set(path, cam);
    }
    return cam;
  }

  private async candidatePorts(): Promise<string[]> {
    if (this.options.ports && this.options.ports !== 'auto') return this.options.ports;
    const ports = await listPorts();
    for (const p of ports) if (p.identity?.role === 'bootloader' && !this.active.has(p.path)) this.options.log.warn({ port: p.path }, `${p.identity.board} on ${p.path}: a bootloader, not opened`);
    return ports.filter((p) => p.identity?.role === 'camera').map((p) => p.path);
  }

  /** The connected camera with this unique id. */
  byId(id: string): DaemonCamera {
    for (const cam of this.cameras.values()) if (cam.id === id && cam.state === 'connected') return cam;
    throw new NoSuchCameraError(id, this.connectedIds());
  }

  /** The camera port the daemon serves at `path` (the same file by another name counts), if any. */
  async byPort(path: string): Promise<DaemonCamera | undefined> {
    const exact = this.cameras.get(path);
    if (exact) return exact;
    const real = await realpath(path).catch(() => path);
    for (const [p, cam] of this.cameras) if ((await realpath(p).catch(() => p)) === real) return cam;
    return undefined;
  }

  private connectedIds(): string[] {
    return [...this.cameras.values()].filter((c) => c.state === 'connected').map((c) => `${c.id} on ${c.port}`);
  }
}

import { OmvError } from '../../protocol/errors.js';
import { connectCamera, type Connection } from '../discovery/connect.js';
import { listPorts } from '../discovery/ports.js';
import type { Logger } from '../log.js';
import type { ClientOptions } from '../v2/client.js';
import { OMVD_CHANNELS } from '../sync/catalog.js';
import { syncCamera, type SyncOptions, type SyncSummary } from '../sync/engine.js';
import { installScripts } from '../sync/install.js';

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
  /** Put omvd's device scripts on a camera that lacks them (firmware 5.x, through its stdin channel). */
  installScripts?: boolean;
  /** Bytes of a recording copied so far, for a progress display. */
  onCopyProgress?: (camera: string, name: string, bytes: number, total: number) => void;
  /** After each sync pass of a camera (the export and upload hooks: look at `summary.synced` for what is new). */
  onSynced?: (cameraId: string, summary: SyncSummary) => Promise<void> | void;
}

/**
 * The daemon: finds cameras (explicit ports, or by polling the USB serial ports), connects to each new one, and
 * keeps its recordings mirrored until the camera goes away; unplug and replug are events, not errors. Identity is
 * the camera's unique id, never the port path.
 */
export class Daemon {
  private readonly active = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();
  readonly summaries: SyncSummary[] = [];
  /** Ports that gave no camera, and cameras whose sync stopped (why, with the error's code). */
  readonly failures: { port: string; camera?: string; code: string; error: string }[] = [];
  /** Why each port last gave no camera: a state is logged when it begins, not at every look. */
  private readonly problems = new Map<string, string>();

  constructor(private readonly options: DaemonOptions) {}

  stop(): void {
    this.controller.abort();
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  async run(): Promise<void> {
    const { log } = this.options;
    const interval = (this.options.intervalS ?? 2) * 1000;
    for (;;) {
      const paths = await this.candidatePorts();
      for (const path of paths) {
        if (this.active.has(path) || this.stopped) continue;
        const task = this.serve(path).finally(() => this.active.delete(path));
        this.active.set(path, task);
      }
      if (this.options.once) {
        await Promise.all(this.active.values());
        return;
      }
      if (this.stopped) break;
      await sleep(interval, this.controller.signal);
      if (this.stopped) break;
    }
    await Promise.all(this.active.values());
    log.info('daemon stopped');
  }

  private async candidatePorts(): Promise<string[]> {
    if (this.options.ports && this.options.ports !== 'auto') return this.options.ports;
    const ports = await listPorts();
    for (const p of ports) if (p.identity?.role === 'bootloader' && !this.active.has(p.path)) this.options.log.warn({ port: p.path }, `${p.identity.board} on ${p.path}: a bootloader, not opened`);
    return ports.filter((p) => p.identity?.role === 'camera').map((p) => p.path);
  }

  private async serve(path: string): Promise<void> {
    const { log } = this.options;
    let conn: Connection;
    try {
      conn = await connectCamera(path, { ...this.options.client, log: log.child({ port: path }) });
    } catch (e) {
      const code = (e as OmvError).code ?? 'EINTERNAL';
      if (this.problems.get(path) === code) log.debug({ port: path }, `still no camera on ${path}: ${(e as Error).message}`);
      else log.warn({ port: path }, `no camera on ${path}: ${(e as Error).message}${this.options.once ? '' : ' (looking again every few seconds; logged again when this changes)'}`);
      this.problems.set(path, code);
      if (this.options.once) this.failures.push({ port: path, code: (e as OmvError).code ?? 'EINTERNAL', error: (e as Error).message });
      if (!this.options.once) await sleep(5000, this.controller.signal);
      return;
    }
    this.problems.delete(path);
    const id = conn.client.camera.sysInfo.uniqueId;
    const clog = log.child({ camera: id });
    clog.info({ port: path, firmware: conn.client.camera.version.firmware.join('.') }, 'camera connected');
    try {
      if (this.options.installScripts && conn.client.channelId(OMVD_CHANNELS.catalog) === undefined) {
        clog.info('the camera lacks omvd\'s channels: installing the device scripts (its recordings are not touched)');
        await installScripts(conn.client);
        clog.info('device scripts installed and running');
      }
      for (;;) {
        const summary = await syncCamera(conn.client, this.options.root, {
          ...this.options,
          signal: this.controller.signal,
          log: clog,
          onProgress: (name, bytes, total) => this.options.onCopyProgress?.(id, name, bytes, total),
        });
        this.summaries.push(summary);
        await this.options.onSynced?.(id, summary);
        if (this.options.once || this.stopped) break;
        await sleep((this.options.intervalS ?? 2) * 1000, this.controller.signal);
        if (this.stopped) break;
      }
    } catch (e) {
      if (!this.stopped) {
        const err = e as Error;
        if (err instanceof OmvError && (err.code === 'ECLOSED' || err.code === 'ETIMEDOUT')) clog.warn(`camera went away (${err.message}); it will be picked up again when it comes back`);
        else clog.error({ code: (err as OmvError).code }, `sync stopped: ${err.message}`);
        if (this.options.once) this.failures.push({ port: path, camera: id, code: (err as OmvError).code ?? 'EINTERNAL', error: err.message });
      }
    } finally {
      await conn.close();
      clog.info('camera disconnected');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

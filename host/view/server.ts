import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OmvError } from '../../protocol/errors.js';
import { toJpeg } from '../pixels/index.js';
import type { LiveFrame } from '../capture/live.js';
import type { CameraSetup } from '../capture/session.js';
import type { CaptureSink } from '../capture/sinks.js';
import { VIEW_PAGE } from './page.js';

export type CameraState = 'connecting' | 'live' | 'disconnected';

/** What the page shows of one camera port. */
export interface CameraStatus {
  port: string;
  state: CameraState;
  /** The camera's unique id, once one answered on the port. */
  camera: string | null;
  pixformat: string;
  framesize: string;
  width: number | null;
  height: number | null;
  frames: number;
  dropped: number;
  fps: number;
  /** The newest frame's sequence number (-1: none yet); the page fetches /frame/<n>.jpg when it changes. */
  seq: number;
  /** Why it is not live, when it went away or could not be opened. */
  error?: string;
}

interface Entry {
  status: CameraStatus;
  jpeg: Uint8Array | null;
  liveSince: number;
  converting: boolean;
}

export class ListenError extends OmvError {
  constructor(address: string, err: NodeJS.ErrnoException) {
    const why = err.code === 'EADDRINUSE' ? 'is in use (another omvd view?)' : err.code === 'EACCES' ? 'needs privileges (ports below 1024)' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : `cannot be listened on (${err.message})`;
    super('ELISTEN', `${address} ${why}: pass --listen with another port, or --listen 127.0.0.1:0 for any free one`, { cause: err });
  }
}

/**
 * The live view: one entry per camera port, with its state (connecting, live, disconnected) and its newest frame as
 * a JPEG, fed by a capture sink per port, and a small HTTP server (loopback by default) with the page, `/status`
 * (JSON) and `/frame/<n>.jpg` (n: the port's place in `/status`).
 */
export class LiveView {
  private readonly entries: Entry[] = [];
  private server: Server | null = null;

  /** Shows `setup.port` (once) as connecting; returns the capture sink that feeds its entry. */
  track(setup: CameraSetup & { port: string }): CaptureSink {
    let entry = this.entries.find((e) => e.status.port === setup.port);
    if (!entry) {
      entry = {
        status: { port: setup.port, state: 'connecting', camera: null, pixformat: setup.pixformat ?? 'GRAYSCALE', framesize: setup.framesize ?? 'QVGA', width: null, height: null, frames: 0, dropped: 0, fps: 0, seq: -1 },
        jpeg: null,
        liveSince: 0,
        converting: false,
      };
      this.entries.push(entry);
    }
    const e = entry;
    return {
      add: async (camera: string, frame: LiveFrame) => {
        const s = e.status;
        if (s.state !== 'live') {
          Object.assign(s, { state: 'live', camera, width: frame.width, height: frame.height, frames: 0, dropped: 0 });
          delete s.error;
          e.liveSince = Date.now();
        }
        s.frames++;
        s.dropped += frame.missedBefore.length;
        s.fps = s.frames / Math.max(0.001, (Date.now() - e.liveSince) / 1000);
        if (e.converting) return; // the view shows the newest frame; it never holds the capture back
        e.converting = true;
        void toJpeg({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }, { quality: 80 })
          .then((jpeg) => {
            e.jpeg = jpeg;
            s.seq = frame.seq;
          })
          .catch(() => {})
          .finally(() => (e.converting = false));
      },
      lost: async (_camera, loss) => this.set(setup.port, 'disconnected', loss.error),
      finish: async () => {},
      abort: async () => {},
    };
  }

  set(port: string, state: CameraState, error?: string): void {
    const s = this.entries.find((e) => e.status.port === port)?.status;
    if (!s) return;
    s.state = state;
    if (state !== 'live') s.fps = 0;
    if (error === undefined) delete s.error;
    else s.error = error;
  }

  status(): { cameras: CameraStatus[] } {
    return { cameras: this.entries.map((e) => ({ ...e.status })) };
  }

  /** Listens on host:port (port 0 = any free one) and returns the page's URL; a port it cannot have is an ELISTEN. */
  async listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(VIEW_PAGE);
      } else if (url.pathname === '/status') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(this.status()));
      } else {
        const m = /^\/frame\/(\d{1,4})\.jpg$/.exec(url.pathname);
        const jpeg = m ? this.entries[Number(m[1])]?.jpeg : null;
        if (jpeg) res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' }).end(jpeg);
        else res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', (err: NodeJS.ErrnoException) => fail(new ListenError(`${host.includes(':') ? `[${host}]` : host}:${port}`, err)));
      server.listen(port, host, ok);
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((ok) => {
      server.close(() => ok());
      server.closeAllConnections(); // a page left open keeps its connection alive
    });
  }
}

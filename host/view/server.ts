import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toJpeg } from '../pixels/index.js';
import type { LiveFrame } from '../capture/live.js';
import type { CaptureSink } from '../capture/sinks.js';
import { VIEW_PAGE } from './page.js';

interface CameraState {
  camera: string;
  frames: number;
  dropped: number;
  seq: number;
  jpeg: Uint8Array | null;
  started: number;
  converting: boolean;
}

/**
 * The live view: a capture sink that keeps each camera's newest frame as a JPEG, and a small HTTP server (loopback
 * by default) with the page, `/status` (JSON) and `/frame/<camera>.jpg`.
 */
export class LiveView {
  private readonly cameras = new Map<string, CameraState>();
  private server: Server | null = null;

  readonly sink: CaptureSink = {
    add: async (camera: string, frame: LiveFrame) => {
      let s = this.cameras.get(camera);
      if (!s) {
        s = { camera, frames: 0, dropped: 0, seq: -1, jpeg: null, started: Date.now(), converting: false };
        this.cameras.set(camera, s);
      }
      s.frames++;
      s.dropped += frame.missedBefore.length;
      if (s.converting) return; // the view shows the newest frame; it never holds the capture back
      s.converting = true;
      const state = s;
      void toJpeg({ width: frame.width, height: frame.height, pixformat: frame.pixformat, data: frame.data }, { quality: 80 })
        .then((jpeg) => {
          state.jpeg = jpeg;
          state.seq = frame.seq;
        })
        .finally(() => (state.converting = false));
    },
    finish: async () => {},
    abort: async () => {},
  };

  status(): { cameras: { camera: string; frames: number; dropped: number; fps: number; seq: number }[] } {
    return {
      cameras: [...this.cameras.values()].map((s) => ({ camera: s.camera, frames: s.frames, dropped: s.dropped, seq: s.seq, fps: s.frames / Math.max(0.001, (Date.now() - s.started) / 1000) })),
    };
  }

  /** Listens on host:port (port 0 = any free one) and returns the page's URL. */
  async listen(host: string, port: number): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(VIEW_PAGE);
      } else if (url.pathname === '/status') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(this.status()));
      } else {
        const m = /^\/frame\/([0-9A-F]{24})\.jpg$/.exec(url.pathname);
        const jpeg = m ? this.cameras.get(m[1]!)?.jpeg : null;
        if (jpeg) res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' }).end(jpeg);
        else res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok, fail) => this.server!.once('error', fail).listen(port, host, ok));
    const address = this.server.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  }

  close(): Promise<void> {
    return new Promise((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

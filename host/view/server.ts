import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OmvError } from '../../protocol/errors.js';
import type { LiveFrame } from '../capture/live.js';
import type { CameraSetup } from '../capture/session.js';
import type { CaptureSink } from '../capture/sinks.js';
import { LiveFeed, type LiveStatus } from './feed.js';
import { viewPage } from './page.js';

export type CameraState = 'connecting' | 'live' | 'disconnected';

/** What the page shows of one camera port (the daemon's page shows its cameras the same way). */
export interface CameraStatus extends Omit<LiveStatus, 'state'> {
  port: string;
  state: CameraState | 'connected';
  /** The camera's unique id, once one answered on the port. */
  camera: string | null;
  board: string | null;
  /** Where the newest frame is, relative to the page (fetched again when `seq` changes). */
  frame: string;
  /** Why it is not live, when it went away or could not be opened. */
  error?: string;
}

interface Entry {
  port: string;
  state: CameraState;
  camera: string | null;
  error?: string;
  feed: LiveFeed;
}

export class ListenError extends OmvError {
  constructor(address: string, err: NodeJS.ErrnoException) {
    const why = err.code === 'EADDRINUSE' ? 'is in use (another omvd view?)' : err.code === 'EACCES' ? 'needs privileges (ports below 1024)' : err.code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : `cannot be listened on (${err.message})`;
    super('ELISTEN', `${address} ${why}: pass --listen with another port, or --listen 127.0.0.1:0 for any free one`, { cause: err });
  }
}

/**
 * The live view of `omvd view` without a daemon: one entry per camera port, with its state (connecting, live,
 * disconnected) and its newest frame as a JPEG, fed by a capture sink per port, and a small HTTP server (loopback by
 * default) with the page, `/status` (JSON) and `/frame/<n>.jpg` (n: the port's place in `/status`).
 */
export class LiveView {
  private readonly entries: Entry[] = [];
  private server: Server | null = null;

  /** Shows `setup.port` (once) as connecting; returns the capture sink that feeds its entry. */
  track(setup: CameraSetup & { port: string }): CaptureSink {
    let entry = this.entries.find((e) => e.port === setup.port);
    if (!entry) this.entries.push((entry = { port: setup.port, state: 'connecting', camera: null, feed: new LiveFeed() }));
    const e = entry;
    const sink = e.feed.sink(setup);
    return {
      add: async (camera: string, frame: LiveFrame) => {
        if (e.state !== 'live') Object.assign(e, { state: 'live', camera, error: undefined });
        await sink.add(camera, frame);
      },
      lost: async (camera, loss) => {
        await sink.lost!(camera, loss);
        this.set(setup.port, 'disconnected', loss.error);
      },
      finish: () => sink.finish(),
      abort: () => sink.abort(),
    };
  }

  set(port: string, state: CameraState, error?: string): void {
    const e = this.entries.find((x) => x.port === port);
    if (!e) return;
    e.state = state;
    if (state !== 'live') e.feed.off();
    e.error = error;
  }

  status(): { cameras: CameraStatus[] } {
    return {
      cameras: this.entries.map((e, n) => {
        const { state: _live, ...live } = e.feed.status;
        return { port: e.port, state: e.state, camera: e.camera, board: null, ...live, frame: `frame/${n}.jpg`, ...(e.error === undefined ? {} : { error: e.error }) };
      }),
    };
  }

  /** Listens on host:port (port 0 = any free one) and returns the page's URL; a port it cannot have is an ELISTEN. */
  async listen(host: string, port: number): Promise<string> {
    const page = viewPage('status');
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      } else if (url.pathname === '/status') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(this.status()));
      } else {
        const m = /^\/frame\/(\d{1,4})\.jpg$/.exec(url.pathname);
        const jpeg = m ? this.entries[Number(m[1])]?.feed.jpeg : null;
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

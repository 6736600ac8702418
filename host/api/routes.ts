import { OmvError } from '../../protocol/errors.js';
import type { CameraSetup } from '../capture/session.js';
import { CAMERA_FIELDS, checkCameraField, parseDuration, SessionFileError, type CameraField } from '../capture/session-file.js';
import type { CameraJson, DaemonCamera } from '../daemon/camera.js';
import type { Captures } from '../daemon/captures.js';
import type { Daemon } from '../daemon/daemon.js';
import { packageInfo } from '../package-info.js';
import type { CameraStatus } from '../view/server.js';
import { viewPage } from '../view/page.js';
import { infoEntry, lsEntry } from './documents.js';
import { ApiError } from './errors.js';
import { eventRoute } from './events-route.js';
import { FRAMES_TYPE, FrameStream } from './frames.js';
import type { ApiRequest, Route } from './server.js';
import { syncDoc } from './sync-doc.js';

/** `omvd status --json`, `GET /api/v1/status`. */
export interface StatusJson {
  ok: true;
  pid: number;
  version: string;
  startedAt: string;
  root: string;
  socket: string;
  /** The page, on 127.0.0.1 (null when the daemon serves no page). */
  url: string | null;
  cameras: CameraJson[];
}

export interface Hub {
  daemon: Daemon;
  captures: Captures;
  socket: string;
  url: string | null;
}

const PAGE = viewPage('api/v1/view');
const BOUNDARY = 'omvdframe';

/** One camera as the page shows it (the same entries `omvd view`'s own page reads). */
function viewEntry(c: CameraJson): CameraStatus {
  const { runs: _r, capture: _c, state: live, note, ...figures } = c.live;
  const state = c.state !== 'connected' ? c.state : live === 'live' ? 'live' : 'connected';
  const why = c.state === 'connected' ? note : c.problem?.error;
  return { port: c.port, state, camera: c.id, board: c.board, ...figures, frame: c.id ? `api/v1/cameras/${c.id}/frame.jpg` : '', ...(why ? { error: why } : {}) };
}

const bodyOf = (r: ApiRequest): Record<string, unknown> => {
  if (r.body === undefined) return {};
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw new ApiError(400, 'EUSAGE', 'the body must be a JSON object');
  return r.body as Record<string, unknown>;
};

/** A body's flags: only those named, each true or false. */
function flags<K extends string>(r: ApiRequest, known: readonly K[]): Partial<Record<K, boolean>> {
  const body = bodyOf(r);
  for (const [k, v] of Object.entries(body)) {
    if (!known.includes(k as K)) throw new ApiError(400, 'EUSAGE', `"${k}" is not a field here (known: ${known.join(', ') || 'none'})`);
    if (typeof v !== 'boolean') throw new ApiError(400, 'EUSAGE', `"${k}" must be true or false`);
  }
  return body as Partial<Record<K, boolean>>;
}

/** `POST …/record`: {"duration", and the camera fields of a session document}, each checked as there. */
function recordRequest(body: Record<string, unknown>): { durationS: number; setup: CameraSetup } {
  const fail = (field: string) => (msg: string): never => {
    throw new SessionFileError('the record request', field, msg);
  };
  const fields = ['duration', ...Object.keys(CAMERA_FIELDS)];
  for (const k of Object.keys(body)) if (!fields.includes(k)) fail(k)(`is not a field here (known: ${fields.join(', ')})`);
  if (body.duration === undefined) fail('duration')('is needed: the camera stops by itself after it');
  const setup: CameraSetup = {};
  for (const field of Object.keys(CAMERA_FIELDS) as CameraField[]) if (body[field] !== undefined) Object.assign(setup, checkCameraField(field, body[field], fail(field)));
  return { durationS: parseDuration(body.duration, fail('duration')), setup };
}

/** The API's routes over the daemon. Every JSON answer is what the matching command prints with --json. */
export function apiRoutes(hub: Hub): Route[] {
  const { daemon, captures } = hub;
  const cams = (): CameraJson[] => [...daemon.cameras.values()].map((c) => c.json());
  const cam = (r: ApiRequest): DaemonCamera => daemon.byId(r.params.camera!);
  const status = (): StatusJson => ({ ok: true, pid: process.pid, version: packageInfo().version, startedAt: daemon.startedAt, root: daemon.options.root, socket: hub.socket, url: hub.url, cameras: cams() });
  const ls = async (c: DaemonCamera) => {
    if (!c.catalog) throw new OmvError('ENOCAMERA', `camera ${c.id} has not listed its recordings yet; ask again in a moment`);
    return lsEntry(daemon.options.root, { id: c.id!, port: c.port, catalog: c.catalog, link: c.lanes!.client.stats }, { copying: c.json().sync.copying });
  };
  return [
    { method: 'GET', path: '/', public: true, handle: async ({ res }) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'" }).end(PAGE) },
    { method: 'GET', path: '/api/v1/status', handle: async () => ({ json: status() }) },
    { method: 'GET', path: '/api/v1/cameras', handle: async () => ({ json: { ok: true, cameras: cams() } }) },
    {
      method: 'GET',
      path: '/api/v1/view',
      public: true,
      handle: async () => {
        for (const c of daemon.cameras.values()) if (c.state === 'connected') c.live.look();
        return { json: { ok: true, cameras: cams().map(viewEntry) } };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/cameras/:camera/frame.jpg',
      public: true,
      handle: async (r) => {
        const c = cam(r);
        c.live.look();
        const jpeg = c.live.feed.jpeg;
        if (!jpeg) throw new ApiError(503, 'ENOFRAME', `camera ${c.id} has no frame yet: its view is starting (ask again in a moment)`);
        r.res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store', 'content-length': jpeg.length }).end(jpeg);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/cameras/:camera/stream.mjpeg',
      public: true,
      handle: async (r) => {
        const c = cam(r);
        const { res } = r;
        res.writeHead(200, { 'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, 'cache-control': 'no-store' });
        const send = (jpeg: Uint8Array): void => {
          if (res.writableNeedDrain) return; // a slow reader gets the newest frame, not a backlog
          res.write(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
          res.write(jpeg);
          res.write('\r\n');
        };
        if (c.live.feed.jpeg) send(c.live.feed.jpeg);
        const unsubscribe = c.live.feed.subscribe(send);
        c.live.look();
        const looking = setInterval(() => c.live.look(), 2000);
        r.req.once('close', () => (unsubscribe(), clearInterval(looking)));
      },
    },
    { method: 'GET', path: '/api/v1/cameras/:camera', handle: async (r) => ({ json: { ok: true, cameras: [infoEntry(cam(r).port, cam(r).lanes!.client)] } }) },
    { method: 'GET', path: '/api/v1/cameras/:camera/recordings', handle: async (r) => ({ json: { ok: true, root: daemon.options.root, cameras: [await ls(cam(r))] } }) },
    {
      method: 'GET',
      path: '/api/v1/recordings',
      handle: async () => ({ json: { ok: true, root: daemon.options.root, cameras: await Promise.all([...daemon.cameras.values()].filter((c) => c.state === 'connected' && c.catalog).map(ls)) } }),
    },
    {
      method: 'POST',
      path: '/api/v1/cameras/:camera/sync',
      handle: async (r) => {
        const { wait, ...options } = flags(r, ['wait', 'dryRun', 'deleteAfterSync'] as const);
        const c = cam(r);
        if (!wait) {
          c.syncSoon();
          return { status: 202, json: { ok: true, camera: c.json() } };
        }
        const summary = await c.syncNow(options);
        return { json: syncDoc(daemon.options.root, [summary], [], { dryRun: options.dryRun === true }) };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/cameras/:camera/record',
      handle: async (r) => {
        const { durationS, setup } = recordRequest(bodyOf(r));
        return { json: { ok: true, recordingOnCamera: [await cam(r).recordOnCamera(setup, durationS)], seconds: durationS } };
      },
    },
    { method: 'POST', path: '/api/v1/cameras/:camera/pause', handle: async (r) => (flags(r, []), await cam(r).pause(), { json: { ok: true, camera: cam(r).json() } }) },
    { method: 'POST', path: '/api/v1/cameras/:camera/resume', handle: async (r) => (flags(r, []), cam(r).resume(), { json: { ok: true, camera: cam(r).json() } }) },
    { method: 'GET', path: '/api/v1/captures', handle: async () => ({ json: { ok: true, captures: captures.list() } }) },
    {
      method: 'POST',
      path: '/api/v1/captures',
      handle: async (r) => {
        if (!(r.req.headers.accept ?? '').includes(FRAMES_TYPE)) return { status: 201, json: { ok: true, capture: (await captures.start(r.body, null)).json() } };
        let stop = (): void => {};
        const stream = new FrameStream(r.res, () => stop());
        const capture = await captures.start(r.body, stream);
        stop = () => capture.stop();
        stream.begin(capture.json());
        await stream.end(await capture.done);
      },
    },
    { method: 'GET', path: '/api/v1/captures/:capture', handle: async (r) => ({ json: { ok: true, capture: captures.get(r.params.capture!).json() } }) },
    {
      method: 'POST',
      path: '/api/v1/captures/:capture/stop',
      handle: async (r) => {
        flags(r, []);
        const capture = captures.get(r.params.capture!);
        capture.stop();
        await capture.done;
        return { json: { ok: true, capture: capture.json() } };
      },
    },
    eventRoute(daemon.events),
  ];
}

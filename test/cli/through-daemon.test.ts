import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { expectJsonStyle } from '../capture/json-style.js';
import { h5Attrs } from '../export/rtdc-dclab.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, spawnOmvd, waitFor, type CliProcess } from '../support/tools.js';

const CHROMIUM = '/usr/bin/chromium';
const rec = (fill: number): Uint8Array => encodeImageIo([{ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(fill) }]);

const work = mkdtempSync(join(tmpdir(), 'omvd-through-daemon-'));
const socket = join(work, 'run', 'daemon.sock');
const config = join(work, 'config.json');
writeFileSync(config, JSON.stringify({ meta: { 'setup:medium': 'water' } }));
const env = { OMVD_SOCKET: socket, OMVD_CONFIG: config };
const root = join(work, 'data');
let sim: SimProcess;
let daemon: CliProcess;
const events: { type: string; capture?: string; name?: string }[] = [];

/** GET over the daemon's socket, as JSON. */
function get<T>(path: string): Promise<T> {
  return new Promise((ok, fail) => {
    const req = request({ socketPath: socket, path, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => ok(JSON.parse(text) as T));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 20 s`)));
    req.on('error', fail);
    req.end();
  });
}

/** POST a JSON body over the daemon's socket; the status and the JSON answer. */
function post<T>(path: string, body: unknown): Promise<{ status: number; json: T }> {
  return new Promise((ok, fail) => {
    const req = request({ socketPath: socket, path, method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => ok({ status: res.statusCode!, json: JSON.parse(text) as T }));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${path}: no answer within 20 s`)));
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

interface Cam {
  id: string;
  state: string;
  board: string;
  sync: { state: string; pausedFor: string | null };
}
const camera = async (): Promise<Cam> => (await get<{ cameras: Cam[] }>('/api/v1/cameras')).cameras[0]!;

beforeAll(async () => {
  mkdirSync(join(work, 'sd'));
  writeFileSync(join(work, 'sd', 'rec_0001.bin'), rec(1));
  sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
});

afterAll(async () => {
  await daemon?.stop();
  await sim?.stop();
});

describe('commands through the daemon', () => {
  it('omvd status says "no daemon" (exit 1) when none runs', () => {
    const j = omvd(['status', '--json'], { OMVD_SOCKET: join(work, 'none.sock') });
    expect(j.status).toBe(1);
    expect(expectJsonStyle(j.stdout).error).toMatchObject({ code: 'ENODAEMON', message: expect.stringMatching(/^no daemon: none answers on .*none\.sock/) });
  });

  it('while the daemon holds the camera: status, ls, info and sync --once answer through it', { timeout: 90_000 }, async () => {
    daemon = spawnOmvd(['daemon', '--port', sim.path, '--root', root, '--no-export', '--page-port', '0'], env);
    await waitFor(() => existsSync(join(root, sim.id, 'rec_0001.bin')), 'the daemon to sync the camera');

    const status = omvd(['status', '--json'], env);
    expect(status.status, status.stderr).toBe(0);
    const s = expectJsonStyle(status.stdout) as unknown as { root: string; url: string; cameras: Cam[] };
    expect(s.root).toBe(root);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(s.cameras[0]).toMatchObject({ id: sim.id, state: 'connected', board: 'OpenMV Cam H7' });
    expect(omvd(['status'], env).stdout).toContain(`camera ${sim.id} on ${sim.path}: OpenMV Cam H7`);

    const ls = omvd(['ls', '--port', sim.path, '--root', root, '--json'], env);
    expect(ls.status, ls.stderr).toBe(0);
    const listed = expectJsonStyle(ls.stdout) as unknown as { cameras: { id: string; recordings: { name: string; synced: boolean }[]; link?: unknown }[] };
    expect(listed.cameras[0]!.recordings).toMatchObject([{ name: 'rec_0001.bin', synced: true }]);

    const info = omvd(['info', '--port', sim.path, '--json'], env);
    expect(info.status, info.stderr).toBe(0);
    expect((expectJsonStyle(info.stdout).cameras as unknown[])[0]).toMatchObject({ port: sim.path, board: 'OpenMV Cam H7', sysInfo: { uniqueId: sim.id } });

    const sync = omvd(['sync', '--once', '--port', sim.path, '--root', root, '--json'], env);
    expect(sync.status, sync.stderr).toBe(0);
    expect(expectJsonStyle(sync.stdout)).toMatchObject({ ok: true, root, upToDate: [{ camera: sim.id, name: 'rec_0001.bin' }], errors: [] });
    const elsewhere = omvd(['sync', '--once', '--port', sim.path, '--root', join(work, 'other'), '--json'], env);
    expect(elsewhere.status).toBe(2);
    expect(expectJsonStyle(elsewhere.stdout).error).toMatchObject({ code: 'EDAEMONROOT' });
    expect(existsSync(join(work, 'other'))).toBe(false);

    // The same answer as the port opened directly (once the daemon has let it go).
    expect(await daemon.stop()).toBe(0);
    const direct = omvd(['ls', '--port', sim.path, '--root', root, '--json']);
    expect(direct.status, direct.stderr).toBe(0);
    const strip = (doc: typeof listed): unknown => doc.cameras.map(({ link: _l, ...c }) => c);
    expect(strip(expectJsonStyle(direct.stdout) as unknown as typeof listed)).toEqual(strip(listed));
  });

  it('a capture through the daemon pauses that camera\'s sync and says so; a second capture of the camera is refused; --record-on-camera works through it', { timeout: 90_000 }, async () => {
    daemon = spawnOmvd(['daemon', '--port', sim.path, '--root', root, '--no-export', '--page-port', '0'], env);
    await waitFor(async () => (await get<{ cameras: Cam[] }>('/api/v1/cameras').catch(() => ({ cameras: [] }))).cameras[0]?.state === 'connected', 'the daemon to connect');
    const stream = request({ socketPath: socket, path: '/api/v1/events', headers: { accept: 'application/x-ndjson' } }, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let at = buf.indexOf('\n'); at >= 0; at = buf.indexOf('\n')) {
          events.push(JSON.parse(buf.slice(0, at)) as (typeof events)[number]);
          buf = buf.slice(at + 1);
        }
      });
    });
    stream.on('error', () => {}); // ends with the daemon
    stream.end();
    const h5 = join(work, 'run.h5');
    // Open-ended, so it still holds the camera however slowly the second command starts; Ctrl-C ends it (exit 0).
    const capture = spawnOmvd(['capture', '--port', sim.path, '--fps', '5', '--to', `hdf5:${h5}`, '--json'], env);
    await waitFor(async () => (await camera()).sync.pausedFor !== null || capture.child.exitCode !== null, 'the capture to take the camera');
    const c = await camera();
    expect(c.sync).toMatchObject({ state: 'paused', pausedFor: expect.stringMatching(/^c\d+$/) });
    writeFileSync(join(work, 'sd', 'rec_0002.bin'), rec(2)); // a recording that appears meanwhile waits for the capture's end

    const second = omvd(['capture', '--port', sim.path, '--frames', '2', '--to', `hdf5:${join(work, 'second.h5')}`, '--json'], env);
    expect(second.status).toBe(1);
    expect(expectJsonStyle(second.stdout).error).toMatchObject({ code: 'ECAMERABUSY', message: expect.stringContaining(`taken by capture ${c.sync.pausedFor}`) });
    expect(existsSync(join(work, 'second.h5'))).toBe(false);

    expect(await capture.stop('SIGINT'), capture.stderr()).toBe(0);
    expect(capture.stderr()).toContain(`its sync of ${sim.id} is paused until the capture ends`);
    const doc = expectJsonStyle(capture.stdout()) as unknown as { ok: boolean; stoppedBy: string; outputs: { path: string }[]; cameras: { camera: string; frames: number; dropped: number }[] };
    expect(doc).toMatchObject({ ok: true, stoppedBy: 'signal', outputs: [{ kind: 'hdf5', path: h5 }], cameras: [{ camera: sim.id }] });
    expect(existsSync(h5)).toBe(true);

    await waitFor(() => existsSync(join(root, sim.id, 'rec_0002.bin')), 'the sync to resume after the capture');
    await waitFor(() => events.some((e) => e.type === 'recording.synced' && e.name === 'rec_0002.bin'), 'the event of rec_0002 synced');
    const at = (pred: (e: (typeof events)[number]) => boolean): number => events.findIndex(pred);
    const paused = at((e) => e.type === 'sync.paused' && e.capture === c.sync.pausedFor);
    const finished = at((e) => e.type === 'capture.finished');
    const resumed = at((e) => e.type === 'sync.resumed' && e.capture === c.sync.pausedFor);
    const synced = at((e) => e.type === 'recording.synced' && e.name === 'rec_0002.bin');
    expect(paused).toBeGreaterThanOrEqual(0);
    expect(paused < resumed && finished < synced && resumed < synced, JSON.stringify(events.map((e) => e.type))).toBe(true);

    // --record-on-camera through the daemon: the same reply as on the port; the daemon then syncs the recording.
    const onCamera = omvd(['capture', '--record-on-camera', '--port', sim.path, '--duration', '1s', '--fps', '5', '--json'], env);
    expect(onCamera.status, onCamera.stderr).toBe(0);
    const started = expectJsonStyle(onCamera.stdout) as unknown as { recordingOnCamera: { camera: string; port: string; recording: string }[]; seconds: number };
    expect(started).toMatchObject({ seconds: 1, recordingOnCamera: [{ camera: sim.id, port: sim.path, recording: expect.stringMatching(/\.bin$/) }] });
    const name = started.recordingOnCamera[0]!.recording.split('/').pop()!;
    await waitFor(() => events.some((e) => e.type === 'recording.synced' && e.name === name), `the daemon to sync ${name} once the camera has finished it`);
  });

  it('a capture started through the API is written by the daemon, with its config file\'s metadata under the session\'s own', { timeout: 90_000 }, async () => {
    await waitFor(async () => (await camera()).state === 'connected' && (await camera()).sync.pausedFor === null, 'the camera free again');
    const started = await post<{ capture: { id: string } }>('/api/v1/captures', { cameras: [{ port: sim.path, fps: 10 }], frames: 3, to: ['hdf5:api/run.h5'], meta: { 'user:operator': 'ana' } });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const id = started.json.capture.id;
    type Done = { capture: { state: string; outputs: { path: string }[]; summary: { ok: boolean; cameras: { frames: number }[] } | null } };
    await waitFor(async () => (await get<Done>(`/api/v1/captures/${id}`)).capture.state === 'finished', `capture ${id} to finish`);
    const done = (await get<Done>(`/api/v1/captures/${id}`)).capture;
    expect(done.summary).toMatchObject({ ok: true, cameras: [{ frames: 3 }] });
    const h5 = join(root, 'captures', 'api', 'run.h5');
    expect(done.outputs.map((o) => o.path)).toEqual([h5]);
    const attrs = h5Attrs(h5, `cam_${sim.id}`).attrs;
    expect(attrs['setup:medium']?.[1]).toBe('water');
    expect(attrs['user:operator']?.[1]).toBe('ana');
  });

  it('omvd view opens the daemon\'s page, which shows the camera live with its port, board and format, gone when unplugged, live again when plugged back in', { timeout: 90_000 }, async () => {
    const view = spawnOmvd(['view', '--json'], env);
    try {
      await waitFor(() => view.stdout().includes('\n') || view.child.exitCode !== null, 'omvd view to print the URL');
      const printed = expectJsonStyle(view.stdout()) as unknown as { url: string };
      expect(printed.url).toBe((await get<{ url: string }>('/api/v1/status')).url);
      const page = (): string => {
        const profile = mkdtempSync(join(tmpdir(), 'omvd-chromium-'));
        const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=8000', '--dump-dom', printed.url], { encoding: 'utf8', timeout: 60_000 });
        if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${CHROMIUM} is required: apt-get install chromium (.ci/run does)`);
        return r.stdout;
      };
      const live = new RegExp(`${sim.path}[^<]*${sim.id}: OpenMV Cam H7, live, JPEG QVGA 320×240`);
      // Asking for the page's list starts the camera's view, as the page's own first look does.
      const liveOnPage = (): Promise<void> => waitFor(async () => (await camera()).state === 'connected' && (await get<{ cameras: { state: string }[] }>('/api/v1/view')).cameras[0]?.state === 'live', 'the camera live on the page');
      await liveOnPage();
      let dom = page();
      for (let i = 0; i < 2 && !live.test(dom); i++) {
        await liveOnPage(); // a starved host may have made the view restart meanwhile
        dom = page();
      }
      expect(dom).toMatch(live);
      expect(dom).toMatch(/data-drawn="[1-9]/);

      // Unplugged while the page is open: shown as gone with the reason; plugged back in: live again.
      const viewState = async (): Promise<string | undefined> => (await get<{ cameras: { state: string }[] }>('/api/v1/view')).cameras[0]?.state;
      await sim.stop('SIGKILL');
      await waitFor(async () => (await viewState()) === 'disconnected', 'the page to show the camera gone');
      expect(page()).toMatch(new RegExp(`${sim.path} — ${sim.id}: OpenMV Cam H7, (disconnected|connecting)[^<]*\\(`));
      sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
      await waitFor(async () => (await camera()).state === 'connected' && (await viewState()) === 'live', 'the camera live again on the page');
    } finally {
      expect(await view.stop()).toBe(0);
    }
  });
});

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, spawnOmvd, waitFor, type CliProcess } from '../support/tools.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request, sent as given (no path normalisation): over the socket, or to 127.0.0.1:port. */
function send(to: { socket: string } | { port: number }, method: string, path: string, { headers = {}, body }: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((ok, fail) => {
    const where = 'socket' in to ? { socketPath: to.socket } : { host: '127.0.0.1', port: to.port };
    const req = request({ ...where, method, path, headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers }, timeout: 20_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
    req.on('error', fail);
    req.end(body);
  });
}

const errorCode = (a: Answer): string => (JSON.parse(a.body) as { error: { code: string } }).error.code;
const noCors = (a: Answer): void => expect(Object.keys(a.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);

const work = mkdtempSync(join(tmpdir(), 'omvd-api-security-'));
const run = join(work, 'run');
const socket = join(run, 'daemon.sock');
let sim: SimProcess;
let daemon: CliProcess;
let port: number;
let token: string;

beforeAll(async () => {
  mkdirSync(join(work, 'sd'));
  writeFileSync(join(work, 'sd', 'rec_0001.bin'), encodeImageIo([{ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(7) }]));
  sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
  daemon = spawnOmvd(['daemon', '--port', sim.path, '--root', join(work, 'data'), '--no-export', '--page-port', '0'], { OMVD_SOCKET: socket });
  await waitFor(async () => {
    const s = await send({ socket }, 'GET', '/api/v1/status').catch(() => null);
    return s !== null && (JSON.parse(s.body) as { cameras: { state: string }[] }).cameras[0]?.state === 'connected';
  }, 'the daemon to serve its API with the camera connected');
  port = Number(new URL((JSON.parse((await send({ socket }, 'GET', '/api/v1/status')).body) as { url: string }).url).port);
  token = readFileSync(join(run, 'token'), 'utf8').trim();
});

afterAll(async () => {
  await daemon?.stop();
  await sim?.stop();
});

describe('the daemon\'s API: who may reach it', () => {
  it('the socket and the token file are the daemon\'s user\'s only, in a folder nobody else can write', () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(run).mode & 0o077).toBe(0);
    expect(statSync(join(run, 'token')).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('on 127.0.0.1: the page is public, anything else needs the token; another Host (DNS rebinding) is refused; no CORS header ever', async () => {
    const host = { host: `127.0.0.1:${port}` };
    const page = await send({ port }, 'GET', '/', { headers: { ...host, origin: 'http://evil.example' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<!doctype html>');
    noCors(page);
    const rebound = await send({ port }, 'GET', '/', { headers: { host: `evil.example:${port}` } });
    expect([rebound.status, errorCode(rebound)]).toEqual([403, 'EHOST']);
    for (const path of ['/api/v1/recordings', '/api/v1/status', `/api/v1/cameras/${sim.id}`, '/api/v1/captures', '/api/v1/events']) {
      const noToken = await send({ port }, 'GET', path, { headers: host });
      expect([noToken.status, errorCode(noToken)], path).toEqual([401, 'ETOKEN']);
    }
    const wrongToken = await send({ port }, 'GET', '/api/v1/recordings', { headers: { ...host, authorization: `Bearer ${'0'.repeat(64)}` } });
    expect(wrongToken.status).toBe(401);
    const withToken = await send({ port }, 'GET', '/api/v1/recordings', { headers: { ...host, authorization: `Bearer ${token}`, origin: 'http://evil.example' } });
    expect(withToken.status).toBe(200);
    expect((JSON.parse(withToken.body) as { cameras: { id: string }[] }).cameras[0]!.id).toBe(sim.id);
    noCors(withToken);
    const preflight = await send({ port }, 'OPTIONS', '/api/v1/captures', { headers: { ...host, origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    noCors(preflight);
    const post = await send({ port }, 'POST', `/api/v1/cameras/${sim.id}/pause`, { headers: host });
    expect([post.status, errorCode(post)]).toEqual([401, 'ETOKEN']);
  });

  it('hostile requests get a 4xx with the reason and never reach the camera', async () => {
    expect((await send({ socket }, 'POST', `/api/v1/cameras/${sim.id}/pause`)).status).toBe(200); // no pass runs: any request to the camera would show
    const requests = async (): Promise<number> => (JSON.parse((await send({ socket }, 'GET', '/api/v1/cameras')).body) as { cameras: { link: { requests: number } }[] }).cameras[0]!.link.requests;
    const before = await requests();
    const json = { 'content-type': 'application/json' };
    const session = (doc: unknown): Promise<Answer> => send({ socket }, 'POST', '/api/v1/captures', { headers: json, body: JSON.stringify(doc) });
    const hostile: [Promise<Answer>, number, string, RegExp][] = [
      [send({ socket }, 'POST', '/api/v1/captures', { headers: json, body: Buffer.alloc(200_000, 0x20) }), 413, 'ETOOLARGE', /at most 65536/],
      [send({ socket }, 'POST', '/api/v1/captures', { headers: json, body: '{"cameras": [' }), 400, 'EBADJSON', /not valid JSON/],
      [send({ socket }, 'POST', '/api/v1/captures', { headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'EMEDIATYPE', /application\/json/],
      [send({ socket }, 'GET', '/api/v1/cameras/../../etc/passwd'), 400, 'EBADPATH', /not a path/],
      [send({ socket }, 'GET', '/api/v1/cameras/%2e%2e%2Fstatus/recordings'), 400, 'EBADPATH', /not a path/],
      [send({ socket }, 'GET', `/api/v1/cameras/${sim.id.toLowerCase()}x/recordings`), 400, 'EBADID', /24 hex digits/],
      [send({ socket }, 'GET', `/api/v1/cameras/${'0'.repeat(24)}/recordings`), 404, 'ENOCAMERA', /no camera/],
      [send({ socket }, 'POST', `/api/v1/cameras/${sim.id}/sync`, { headers: json, body: '{"wait": "yes"}' }), 400, 'EUSAGE', /true or false/],
      [send({ socket }, 'DELETE', '/api/v1/captures'), 405, 'EMETHOD', /not allowed/],
      [session({ cameras: [{ port: sim.path }], to: ['hdf5:a.h5'], shell: 'rm -rf /' }), 400, 'ESESSIONFILE', /"shell" is not a session field/],
      [session({ cameras: [{ port: sim.path, exposure: 1 }], to: ['hdf5:a.h5'] }), 400, 'ESESSIONFILE', /not a camera field/],
      [session({ cameras: [{ port: sim.path }], to: ['hdf5:../../../tmp/a.h5'] }), 400, 'ESESSIONFILE', /without "\.\."/],
      [session({ cameras: [{ port: sim.path }], to: ['hdf5:/etc/a.h5'] }), 400, 'ESESSIONFILE', /relative to the daemon's captures folder/],
      [session([1, 2]), 400, 'ESESSIONFILE', /JSON object/],
      [send({ socket }, 'POST', `/api/v1/cameras/${sim.id}/record`, { headers: json, body: '{"duration": "1s", "to": "/etc"}' }), 400, 'ESESSIONFILE', /"to" is not a field here/],
      [send({ socket }, 'POST', `/api/v1/cameras/${sim.id}/record`, { headers: json, body: '{"fps": 5}' }), 400, 'ESESSIONFILE', /"duration" is needed/],
    ];
    for (const [answer, status, code, why] of hostile) {
      const a = await answer;
      expect([a.status, errorCode(a)], a.body).toEqual([status, code]);
      expect((JSON.parse(a.body) as { error: { message: string } }).error.message).toMatch(why);
    }
    expect(await requests()).toBe(before);
    expect((await send({ socket }, 'POST', `/api/v1/cameras/${sim.id}/resume`)).status).toBe(200);
  });

  it('refuses to serve on a socket others could reach or replace, or one another daemon answers on (exit 1, nothing served)', () => {
    const open = join(work, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const wide = omvd(['daemon', '--port', join(work, 'none'), '--root', join(work, 'data2'), '--no-export', '--json'], { OMVD_SOCKET: join(open, 'daemon.sock') });
    expect(wide.status, wide.stderr).toBe(1);
    expect(JSON.parse(wide.stdout).error).toMatchObject({ code: 'ESOCKET', message: expect.stringMatching(/writable by others \(mode 0777\)/) });
    writeFileSync(join(run, 'not-a-socket'), '');
    const file = omvd(['daemon', '--port', join(work, 'none'), '--root', join(work, 'data2'), '--no-export', '--json'], { OMVD_SOCKET: join(run, 'not-a-socket') });
    expect(JSON.parse(file.stdout).error).toMatchObject({ code: 'ESOCKET', message: expect.stringMatching(/is not a socket/) });
    const second = omvd(['daemon', '--port', join(work, 'none'), '--root', join(work, 'data2'), '--no-export', '--json'], { OMVD_SOCKET: socket });
    expect(second.status).toBe(1);
    expect(JSON.parse(second.stdout).error.code).toBe('EDAEMONRUNNING');
    expect(daemon.child.exitCode).toBeNull(); // the first daemon serves on
  });

  it('--socket-group (as install-service runs it) opens the socket to the daemon\'s group, and only the socket', async () => {
    const shared = join(work, 'shared', 'daemon.sock');
    const d = spawnOmvd(['daemon', '--port', join(work, 'none'), '--root', join(work, 'data3'), '--no-export', '--page-port', '0', '--socket-group'], { OMVD_SOCKET: shared });
    try {
      await waitFor(async () => ((await send({ socket: shared }, 'GET', '/api/v1/status').catch(() => null))?.body ?? '').includes('"url":"http'), 'the daemon to serve its socket and page');
      expect(statSync(shared).mode & 0o777).toBe(0o660);
      expect(statSync(join(work, 'shared')).mode & 0o777).toBe(0o750);
      expect(statSync(join(work, 'shared', 'token')).mode & 0o777).toBe(0o600);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});

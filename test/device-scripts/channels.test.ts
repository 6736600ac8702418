import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { Status } from '../../protocol/v2/index.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { CatalogIoctl, FileIoctl, fetchCatalog, OMVD_CHANNELS } from '../../host/sync/catalog.js';
import { cameraCommand, CameraCommandError } from '../../host/sync/ctl.js';
import { V2Client } from '../../host/v2/client.js';
import { V2StatusError } from '../../host/v2/errors.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const gray = (n: number, w = 64, h = 48) => Array.from({ length: n }, (_, i) => ({ elapsedMs: 33, width: w, height: h, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(w * h).fill(i) }));
const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The device scripts run for real in MicroPython inside the virtual camera; these tests drive them over V2. */
describe('device scripts: omvd channels', () => {
  let camera: VirtualCamera;
  let client: V2Client;
  let sd: string;
  const id = (name: string): number => client.channelId(name)!;

  beforeAll(async () => {
    sd = mkdtempSync(join(tmpdir(), 'omvd-ds-'));
    writeFileSync(join(sd, 'rec_0007.bin'), encodeImageIo(gray(12)));
    writeFileSync(join(sd, 'notes.txt'), 'not a recording');
    writeFileSync(join(sd, 'fake.bin'), 'not ImageIO either');
    camera = await VirtualCamera.start({ sdDir: sd, fps: 60 });
    client = new V2Client(camera.link);
    await client.connect();
  });

  afterAll(async () => {
    client?.close();
    await camera?.stop();
  });

  it('catalog lists ImageIO recordings only, hashes them once (matching Node), counts frames, and caches the hash', async () => {
    let rec;
    for (let i = 0; i < 50 && !rec?.sha256; i++, await sleep(50)) rec = (await fetchCatalog(client)).recordings.find((r) => r.name === 'rec_0007.bin');
    expect((await fetchCatalog(client)).recordings.map((r) => r.name)).toEqual(['rec_0007.bin']);
    expect(rec).toMatchObject({ size: readFileSync(join(sd, 'rec_0007.bin')).length, frames: 12, open: false, sha256: sha(readFileSync(join(sd, 'rec_0007.bin'))) });
    const cache = JSON.parse(readFileSync(join(sd, '.omvd-hashes.json'), 'utf8'));
    expect(cache['rec_0007.bin'][1]).toBe(rec!.sha256);
  });

  it('file channel: select, read by offset, refuse traversal names and reads past the end', async () => {
    const file = id(OMVD_CHANNELS.file);
    await client.ioctl(file, FileIoctl.SELECT, new TextEncoder().encode('rec_0007.bin'));
    const bytes = readFileSync(join(sd, 'rec_0007.bin'));
    expect(await client.size(file)).toBe(bytes.length);
    expect(Buffer.from(await client.read(file, 100, 5000)).equals(bytes.subarray(100, 5100))).toBe(true);
    for (const bad of ['../etc/passwd', '/sdcard/rec_0007.bin', 'notes.txt', 'missing.bin']) {
      await expect(client.ioctl(file, FileIoctl.SELECT, new TextEncoder().encode(bad))).rejects.toMatchObject({ status: Status.FAILED });
    }
    await expect(client.read(file, bytes.length - 10, 20)).rejects.toBeInstanceOf(V2StatusError);
    await expect(client.read(file, 0, 40_000)).rejects.toBeInstanceOf(V2StatusError); // larger than the script's buffer
  });

  it('file channel: a recording that grows between reads is read as it grows', async () => {
    const path = join(sd, 'rec_0008.bin');
    writeFileSync(path, encodeImageIo(gray(2)));
    const file = id(OMVD_CHANNELS.file);
    await client.ioctl(file, FileIoctl.SELECT, new TextEncoder().encode('rec_0008.bin'));
    const first = await client.size(file);
    const more = encodeImageIo(gray(3)).subarray(16);
    appendFileSync(path, more);
    expect(await client.size(file)).toBe(first + more.length);
    expect(Buffer.from(await client.read(file, first, more.length)).equals(Buffer.from(more))).toBe(true);
  });

  it('ctl: bad JSON and unknown commands are refused with a NAK and an error reply, not a crash', async () => {
    const ctl = id(OMVD_CHANNELS.ctl);
    await client.write(ctl, 0, new TextEncoder().encode('{"cmd": "record", '));
    await expect(client.ioctl(ctl, 1)).rejects.toMatchObject({ status: Status.FAILED });
    expect(JSON.parse(new TextDecoder().decode(await client.read(ctl, 0, await client.size(ctl))))).toMatchObject({ ok: false });
    await expect(cameraCommand(client, { cmd: 'fly' })).rejects.toThrow(/unknown command/);
    await expect(cameraCommand(client, { cmd: 'record', fps: -5 })).rejects.toThrow(/'fps'/);
    expect((await cameraCommand(client, { cmd: 'status' })).recording).toBeNull();
  });

  it('ctl: an EXEC sent again for the same command id runs it once and answers as the first did', async () => {
    const ctl = id(OMVD_CHANNELS.ctl);
    const reply = async (): Promise<Record<string, unknown>> => JSON.parse(new TextDecoder().decode(await client.read(ctl, 0, await client.size(ctl)))) as Record<string, unknown>;
    const exec = async (command: object): Promise<Record<string, unknown>> => {
      await client.write(ctl, 0, new TextEncoder().encode(JSON.stringify(command)));
      await client.ioctl(ctl, 1);
      return reply();
    };
    const files = async (): Promise<string[]> => (await fetchCatalog(client)).recordings.map((r) => r.name);
    const before = await files();
    const record = { cmd: 'record', to: 'file', framesize: 'QQVGA', fps: 10, duration_s: 30, id: 'a1' };
    const first = await exec(record);
    expect(first.ok).toBe(true);
    await client.ioctl(ctl, 1); // sent again, as when the host could not tell whether the first EXEC arrived
    expect(await reply()).toEqual(first);
    expect((await files()).length).toBe(before.length + 1); // one recording started, not two
    await exec({ ...record, id: 'a2' }); // a new id is a new command: it runs (and starts the next file)
    expect((await files()).length).toBe(before.length + 2);
    await exec({ cmd: 'stop', id: 'a3' });
  });

  it('unknown ioctls are NAKed on every omvd channel', async () => {
    for (const name of Object.values(OMVD_CHANNELS)) await expect(client.ioctl(id(name), 99)).rejects.toMatchObject({ status: Status.FAILED });
    await expect(client.ioctl(id(OMVD_CHANNELS.catalog), CatalogIoctl.SNAPSHOT)).resolves.toBeUndefined();
  });

  it('delete: refused on a wrong hash and on the recording being written; done on the right hash', async () => {
    const name = 'rec_0007.bin';
    const right = sha(readFileSync(join(sd, name)));
    await expect(cameraCommand(client, { cmd: 'delete', name, sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(CameraCommandError);
    expect(readFileSync(join(sd, name)).length).toBeGreaterThan(0);
    await cameraCommand(client, { cmd: 'record', pixformat: 'GRAYSCALE', framesize: 'QQVGA', fps: 30, duration_s: 5 });
    const open = (await fetchCatalog(client)).recordings.find((r) => r.open)!;
    await expect(cameraCommand(client, { cmd: 'delete', name: open.name, sha256: right })).rejects.toThrow(/being recorded/);
    await cameraCommand(client, { cmd: 'stop' });
    await cameraCommand(client, { cmd: 'delete', name, sha256: right });
    expect((await fetchCatalog(client)).recordings.map((r) => r.name)).not.toContain(name);
  });

  it('live ring: wraps, forgets overwritten frames, serves the newest with its header', async () => {
    await cameraCommand(client, { cmd: 'record', pixformat: 'GRAYSCALE', framesize: 'QQVGA', fps: 60, to: 'memory', live_slots: 4 });
    await sleep(600);
    const live = id(OMVD_CHANNELS.live);
    const [oldest, next, slots] = await client.shape(live);
    expect(slots).toBe(4);
    expect(next! - oldest!).toBe(4);
    expect(oldest).toBeGreaterThan(0);
    await expect(client.ioctl(live, 1, u32(0))).rejects.toMatchObject({ status: Status.FAILED });
    await client.ioctl(live, 1, u32(0xffffffff));
    const size = await client.size(live);
    expect(size).toBe(32 + 160 * 120);
    const rec = await client.read(live, 0, size);
    const h = new DataView(rec.buffer, rec.byteOffset);
    expect([h.getUint32(8, true), h.getUint32(12, true), h.getUint32(16, true), h.getUint32(20, true)]).toEqual([160, 120, Pixformat.GRAYSCALE, 160 * 120]);
    expect(h.getUint32(0, true)).toBeGreaterThanOrEqual(next! - 1);
    await cameraCommand(client, { cmd: 'stop' });
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageIo } from '../../protocol/imageio/index.js';
import { ChannelId } from '../../protocol/v2/index.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { syncCamera } from '../../host/sync/engine.js';
import { V2Client } from '../../host/v2/client.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('virtual camera, native link, in-process', () => {
  let camera: VirtualCamera;
  let client: V2Client;
  const log: string[] = [];

  beforeAll(async () => {
    camera = await VirtualCamera.start({ sdDir: mkdtempSync(join(tmpdir(), 'omvd-vc-')), recordSeconds: 1.5, fps: 20, onLog: (l) => log.push(l) });
    client = new V2Client(camera.link);
    await client.connect();
  });

  afterAll(async () => {
    client?.close();
    const result = await camera?.stop();
    expect(result?.error).toBeUndefined();
  });

  it('identifies as an OpenMV Cam H7 with the unique id derived from its SD card', () => {
    const info = client.camera.sysInfo;
    expect([info.usbVid, info.usbPid]).toEqual([0x37c5, 0x1204]);
    expect(info.uniqueId).toBe(camera.uid);
    expect(client.camera.version.firmware[0]).toBe(5);
  });

  it('lists the firmware channels and the omvd channels', () => {
    const names = client.camera.channels.map((c) => c.name);
    expect(names.slice(0, 4)).toEqual(['usb', 'stdin', 'stdout', 'stream']);
    expect(names).toEqual(expect.arrayContaining(['omvd.cat', 'omvd.file', 'omvd.live', 'omvd.ctl']));
    expect(client.channelId('stdin')).toBe(ChannelId.STDIN);
  });

  it('syncs the recording it made to the host, byte-identical and verified', async () => {
    const root = mkdtempSync(join(tmpdir(), 'omvd-vc-root-'));
    const summary = await syncCamera(client, root, { tailPollMs: 100 });
    expect(summary.failed).toEqual([]);
    expect(summary.synced.length).toBeGreaterThanOrEqual(1);
    for (const r of summary.synced) {
      const host = readFileSync(r.path);
      const sd = readFileSync(join(camera.sdDir, r.name));
      expect(sha(host)).toBe(sha(sd));
      expect(r.sha256).toBe(sha(sd));
      const parsed = parseImageIo(new Uint8Array(host));
      expect(parsed.frames.length).toBeGreaterThan(10);
      expect(parsed.frames[0]!.width).toBe(320);
    }
    expect(readdirSync(join(root, camera.uid))).toEqual(expect.arrayContaining(['manifest.json', ...summary.synced.map((r) => r.name)]));
  });
});

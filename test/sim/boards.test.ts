import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { HwCap, Opcode, payloads } from '../../protocol/v2/index.js';
import { BOARD_IDS, BOARDS, type BoardId } from '../../host/sim/boards.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { FileIoctl, OMVD_CHANNELS } from '../../host/sync/catalog.js';
import { V2Client } from '../../host/v2/client.js';

describe('board profiles of the virtual camera', () => {
  const cameras: VirtualCamera[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cameras.splice(0)) await c.stop();
  });

  async function connect(board: BoardId | undefined, sdDir?: string): Promise<V2Client> {
    const camera = await VirtualCamera.start({ ...(board ? { board } : {}), ...(sdDir ? { sdDir } : {}) });
    cameras.push(camera);
    const client = new V2Client(camera.link);
    clients.push(client);
    await client.connect();
    return client;
  }

  it('the default is the OpenMV Cam H7: 512-byte protocol buffers (498-byte payloads), USB 37C5:1204', async () => {
    const client = await connect(undefined);
    const info = client.camera.sysInfo;
    expect([info.usbVid, info.usbPid]).toEqual([0x37c5, 0x1204]);
    expect(client.camera.caps.maxPayload).toBe(498);
    expect(info.features.sort()).toEqual(['CRC', 'JPEG', 'SD']);
    expect(info.chipId).toEqual([0x56, 0, 0]);
  });

  for (const id of BOARD_IDS) {
    it(`${id}: SYS_INFO, the largest payload and the USB speed are the board's`, async () => {
      const board = BOARDS[id];
      const client = await connect(id);
      const info = client.camera.sysInfo;
      expect([info.usbVid, info.usbPid, info.cpuId, info.hwCaps[0], info.chipId[0]]).toEqual([board.usbVid, board.usbPid, board.cpuId, board.hwCaps, board.sensor.chipId]);
      await client.link.sync(); // back to the defaults the firmware offers (the client asked for less)
      const offered = payloads.caps.decode(await client.link.request(Opcode.PROTO_GET_CAPS, 0));
      expect(offered.maxPayload).toBe(board.bufferSize - 14);
      expect(info.features.includes('USB_HS')).toBe(board.usbSpeed === 'high');
      expect((info.hwCaps[0] & HwCap.USB_HS) !== 0).toBe(board.usbSpeed === 'high');
    });
  }

  it('the H7\'s link carries no more than USB full speed: 600 kB take at least half a second', async () => {
    const sd = mkdtempSync(join(tmpdir(), 'omvd-board-sd-'));
    const frames = Array.from({ length: 8 }, (_, i) => ({ elapsedMs: 33, width: 320, height: 240, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(320 * 240).fill(i) }));
    writeFileSync(join(sd, 'rec_0001.bin'), encodeImageIo(frames));
    const client = await connect('H7', sd);
    const file = client.channelId(OMVD_CHANNELS.file)!;
    await client.ioctl(file, FileIoctl.SELECT, new TextEncoder().encode('rec_0001.bin'));
    const total = 600_000;
    const start = performance.now();
    for (let at = 0; at < total; ) at += (await client.readSome(file, at, Math.min(32 * 1024, total - at))).length;
    // 1 MB/s with the camera's writes up to 10 ms ahead of the link: at least 0.6 s minus that, whatever the machine.
    expect(performance.now() - start).toBeGreaterThan(550);
  });
});

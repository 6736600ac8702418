import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { encodePacket, Flag, Opcode, PacketDecoder, payloads, type Packet } from '../../protocol/v2/index.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';

const UID = '0123456789ABCDEF01234567';

/** Sends raw requests and collects the raw reply packets (events left out), as a protocol analyser would. */
class RawHost {
  private readonly decoder = new PacketDecoder();
  private replies: Packet[] = [];
  private waiter: (() => void) | null = null;
  next = 0;

  constructor(private readonly camera: VirtualCamera) {
    camera.link.on('data', (d: Buffer) =>
      this.decoder.push(new Uint8Array(d), (p) => {
        if (p.flags & Flag.ACK_REQ) camera.link.write(encodePacket({ seq: p.seq, chan: p.chan, flags: Flag.ACK, opcode: p.opcode, payload: new Uint8Array(0) }));
        if (p.flags & Flag.EVENT) return;
        this.replies.push(p);
        this.next = (p.seq + 1) & 0xff;
        if (!(p.flags & Flag.FRAGMENT)) this.waiter?.();
      }),
    );
  }

  async request(opcode: number, chan: number, payload: Uint8Array = new Uint8Array(0), tweak: (b: Uint8Array) => void = () => {}): Promise<Packet[]> {
    this.replies = [];
    const bytes = encodePacket({ seq: opcode === Opcode.PROTO_SYNC ? 0 : this.next, chan, flags: 0, opcode, payload });
    tweak(bytes);
    const done = new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no reply to opcode 0x${opcode.toString(16)}`)), 5000);
      this.waiter = () => {
        clearTimeout(timer);
        ok();
      };
    });
    this.camera.link.write(bytes);
    await done;
    if (opcode === Opcode.PROTO_SYNC) this.next = 0;
    return this.replies;
  }
}

async function conversation(host: RawHost, camera: VirtualCamera): Promise<unknown[]> {
  const enc = new TextEncoder();
  const log: unknown[] = [];
  const note = (label: string, packets: Packet[]): void => {
    log.push({ label, packets: packets.map((p) => ({ seq: p.seq, chan: p.chan, flags: p.flags, opcode: p.opcode, payload: Buffer.from(p.payload).toString('hex') })) });
  };
  note('sync', await host.request(Opcode.PROTO_SYNC, 0));
  note('get caps', await host.request(Opcode.PROTO_GET_CAPS, 0));
  note('set caps', await host.request(Opcode.PROTO_SET_CAPS, 0, payloads.caps.encode({ ...payloads.DEFAULT_CAPS, ack: false, maxPayload: 1000 })));
  note('list', await host.request(Opcode.CHANNEL_LIST, 0));
  const info = await host.request(Opcode.SYS_INFO, 0);
  if (info[0]?.opcode !== Opcode.SYS_INFO) throw new Error(`${camera.options.link}: SYS_INFO answered by ${JSON.stringify(info.map((p) => [p.opcode, p.seq, p.flags, p.payload.length]))}`);
  const sys = payloads.sysInfo.decode(info[0]!.payload);
  // The pure-MicroPython link always reports the H7's USB id (a 4.x script cannot read its own); the native one the board's.
  log.push({ label: 'sys info identity', uid: sys.uniqueId, vid: sys.usbVid, pid: sys.usbPid });
  note('size of a channel that does not exist', await host.request(Opcode.CHANNEL_SIZE, 20));
  note('select', await host.request(Opcode.CHANNEL_IOCTL, 5, payloads.ioctlRequest.encode({ request: 1, args: enc.encode('rec_0001.bin') })));
  note('size', await host.request(Opcode.CHANNEL_SIZE, 5));
  note('read 2500 at 16', await host.request(Opcode.CHANNEL_READ, 5, payloads.readRequest.encode({ offset: 16, length: 2500 })));
  note('read past the end', await host.request(Opcode.CHANNEL_READ, 5, payloads.readRequest.encode({ offset: 1_000_000, length: 10 })));
  note('unknown opcode', await host.request(0x7f, 0));
  note('system opcode off channel 0', await host.request(Opcode.SYS_INFO, 5));
  note('unknown ioctl', await host.request(Opcode.CHANNEL_IOCTL, 7, payloads.ioctlRequest.encode({ request: 42, args: new Uint8Array(0) })));
  note('ctl bad json', await host.request(Opcode.CHANNEL_WRITE, 7, payloads.writeRequest.encode({ offset: 0, data: enc.encode('{"cmd":') })));
  note('ctl exec', await host.request(Opcode.CHANNEL_IOCTL, 7, payloads.ioctlRequest.encode({ request: 1, args: new Uint8Array(0) })));
  const size = await host.request(Opcode.CHANNEL_SIZE, 7);
  note('ctl reply size', size);
  note('ctl reply', await host.request(Opcode.CHANNEL_READ, 7, payloads.readRequest.encode({ offset: 0, length: payloads.channelSize.decode(size[0]!.payload) })));
  note('corrupt payload crc', await host.request(Opcode.CHANNEL_READ, 5, payloads.readRequest.encode({ offset: 0, length: 4 }), (b) => (b[12] = b[12]! ^ 1)));
  host.next = (host.next + 3) & 0xff;
  note('wrong sequence number', await host.request(Opcode.CHANNEL_SIZE, 5));
  void camera;
  return log;
}

describe('native protocol emulation and the pure-MicroPython link', () => {
  const cams: VirtualCamera[] = [];

  beforeAll(async () => {
    const frames = Array.from({ length: 5 }, (_, i) => ({ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(i * 9) }));
    for (const link of ['native', 'python'] as const) {
      const sd = mkdtempSync(join(tmpdir(), `omvd-parity-${link}-`));
      writeFileSync(join(sd, 'rec_0001.bin'), encodeImageIo(frames));
      // A board with the pure-MicroPython link's own buffer size (4096), so both sides can take the same caps.
      cams.push(await VirtualCamera.start({ sdDir: sd, uid: UID, link, board: 'H7P' }));
    }
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    for (const c of cams) await c.stop();
  });

  it('answer the same request sequence with the same replies, byte for byte', async () => {
    const [native, python] = await Promise.all(cams.map((c) => conversation(new RawHost(c), c)));
    expect(native!.length).toBe(19);
    expect(python).toEqual(native);
    const read = (native as { label: string; packets: { flags: number; payload: string }[] }[]).find((e) => e.label === 'read 2500 at 16')!;
    expect(read.packets.map((p) => p.payload.length / 2)).toEqual([1000, 1000, 500]);
    expect(read.packets.map((p) => p.flags & Flag.FRAGMENT)).toEqual([Flag.FRAGMENT, Flag.FRAGMENT, 0]);
  });
});

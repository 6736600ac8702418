import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { payloads, SysEvent } from '../../../protocol/v2/index.js';

/** Little-endian u32 words to bytes, written independently of the codecs under test. */
const words = (...ws: number[]): Uint8Array => new Uint8Array(new Uint32Array(ws).buffer);

describe('payload codecs', () => {
  it('decodes SYS_INFO as the firmware lays out omv_protocol_sys_info_t (76 bytes)', () => {
    const bytes = words(
      0x411fc271, // cpu_id
      0x00340038, 0x31385111, 0x33373335, // dev_id[3]
      0x37c51204, // usb_id = VID<<16 | PID
      0x5640, 0, 0, // chip_id[3]
      0xdead, 0xbeef, // reserved_id[2]
      (1 << 18) | (1 << 4), 0, // hw_caps[2]
      2048, 1024, 512, 32, // flash, ram, framebuffer, stream buffer (KB)
      0, 0, 0, // reserved_memory[3]
    );
    expect(bytes.length).toBe(76);
    expect(payloads.sysInfo.decode(bytes)).toEqual({
      cpuId: 0x411fc271,
      devId: [0x00340038, 0x31385111, 0x33373335],
      uniqueId: '003400383138511133373335',
      usbVid: 0x37c5,
      usbPid: 0x1204,
      chipId: [0x5640, 0, 0],
      hwCaps: [(1 << 18) | (1 << 4), 0],
      flashSizeKb: 2048,
      ramSizeKb: 1024,
      frameBufferSizeKb: 512,
      streamBufferSizeKb: 32,
    });
  });

  it('round-trips SYS_INFO (reserved fields encode as zeros)', () => {
    const info = payloads.sysInfo.decode(words(1, 2, 3, 4, 0x12091abd, 5, 6, 7, 0, 0, 8, 9, 10, 11, 12, 13, 0, 0, 0));
    expect(payloads.sysInfo.decode(payloads.sysInfo.encode(info))).toEqual(info);
  });

  it('decodes caps: a C bitfield (crc bit 0, seq 1, ack 2, events 3) then u16 max payload', () => {
    const bytes = new Uint8Array(16);
    bytes[0] = 0b1011;
    bytes[4] = 0xf2;
    bytes[5] = 0x0f;
    expect(payloads.caps.decode(bytes)).toEqual({ crc: true, seq: true, ack: false, events: true, maxPayload: 4082 });
    expect([...payloads.caps.encode({ crc: true, seq: true, ack: false, events: true, maxPayload: 4082 })]).toEqual([...bytes]);
  });

  it('decodes stats (8 u32, the last reserved) and version (3×3 bytes + 7 reserved)', () => {
    expect(payloads.stats.decode(words(1, 2, 3, 4, 5, 6, 7, 99))).toEqual({
      sentPackets: 1, recvPackets: 2, checksumErrors: 3, sequenceErrors: 4, retransmit: 5, transportErrors: 6, sentEvents: 7,
    });
    const v = new Uint8Array([1, 0, 2, 2, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(payloads.version.decode(v)).toEqual({ protocol: [1, 0, 2], bootloader: [2, 1, 0], firmware: [5, 0, 0] });
    expect([...payloads.version.encode(payloads.version.decode(v))]).toEqual([...v]);
  });

  it('decodes channel lists of 16-byte entries with NUL-padded names', () => {
    const bytes = new Uint8Array(32);
    bytes.set([1, 0x06, ...Buffer.from('stdin')], 0);
    bytes.set([5, 0x21, ...Buffer.from('omvd.file')], 16);
    const list = payloads.channelList.decode(bytes);
    expect(list).toEqual([
      { id: 1, flags: 0x06, name: 'stdin' },
      { id: 5, flags: 0x21, name: 'omvd.file' },
    ]);
    expect([...payloads.channelList.encode(list)]).toEqual([...bytes]);
    expect(() => payloads.channelList.decode(new Uint8Array(17))).toThrow(FormatError);
    expect(() => payloads.channelList.decode(new Uint8Array(16 * 33))).toThrow(/up to 512/);
    expect(() => payloads.channelList.encode([{ id: 1, flags: 0, name: 'fourteen-chars' }])).toThrow(RangeError);
  });

  it('decodes read, write and ioctl requests and checks the declared write length', () => {
    expect(payloads.readRequest.decode(words(4096, 4082))).toEqual({ offset: 4096, length: 4082 });
    const w = payloads.writeRequest.encode({ offset: 7, data: new Uint8Array([1, 2, 3]) });
    expect([...w]).toEqual([7, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3]);
    expect(payloads.writeRequest.decode(w).data).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => payloads.writeRequest.decode(w.subarray(0, 10))).toThrow(/expected 11 bytes, got 10/);
    expect(payloads.ioctlRequest.decode(new Uint8Array([2, 0, 0, 0, 9]))).toEqual({ request: 2, args: new Uint8Array([9]) });
  });

  it('decodes poll masks, shapes, status and events', () => {
    expect(payloads.pollMask.decode(words((1 << 2) | (1 << 31)))).toEqual([2, 31]);
    expect(payloads.pollMask.encode([2, 31])).toEqual(words((1 << 2) | (1 << 31)));
    expect(payloads.shape.decode(words(240, 320, 2))).toEqual([240, 320, 2]);
    expect(() => payloads.shape.decode(new Uint8Array(20))).toThrow(FormatError);
    expect(payloads.status.decode(new Uint8Array([5, 0]))).toBe(5);
    expect(payloads.event.decode(new Uint8Array(0))).toBe(SysEvent.NOTIFY);
    expect(payloads.event.decode(new Uint8Array([1, 0]))).toBe(SysEvent.CHANNEL_UNREGISTERED);
  });

  it('decodes the stream frame header as framebuffer_header_t (w, h, pixformat, offset, f32 fps)', () => {
    const bytes = new Uint8Array(24);
    const dv = new DataView(bytes.buffer);
    [320, 240, 0x06060000, 32].forEach((v, i) => dv.setUint32(i * 4, v, true));
    dv.setFloat32(16, 29.5, true);
    expect(payloads.streamHeader.decode(bytes)).toEqual({ width: 320, height: 240, pixformat: 0x06060000, offset: 32, fps: 29.5 });
    expect(() => payloads.streamHeader.decode(new Uint8Array(19))).toThrow(FormatError);
  });

  it('refuses payloads of the wrong size, naming them', () => {
    expect(() => payloads.sysInfo.decode(new Uint8Array(75))).toThrow(/SYS_INFO payload: expected 76 bytes, got 75/);
    expect(() => payloads.u32.decode(new Uint8Array(3))).toThrow(FormatError);
    expect(() => payloads.memoryStats.decode(new Uint8Array([2, 0, 0, 0]))).toThrow(/2 pools/);
  });

  it('round-trips memory pool statistics', () => {
    const pools = [
      { type: 0, flags: 0, total: 100, used: 40, free: 60, persist: 0, peak: 0 },
      { type: 1, flags: 3, total: 1 << 20, used: 5, free: (1 << 20) - 5, persist: 2, peak: 9 },
    ];
    const bytes = payloads.memoryStats.encode(pools);
    expect(bytes.length).toBe(4 + 48);
    expect(payloads.memoryStats.decode(bytes)).toEqual(pools);
  });
});

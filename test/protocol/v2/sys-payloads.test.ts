import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { SysEvent } from '../../../protocol/v2/constants.js';
import { event, memoryStats, sysInfo } from '../../../protocol/v2/sys-payloads.js';

const words = (...ws: number[]): Uint8Array => new Uint8Array(new Uint32Array(ws).buffer);

describe('system payloads', () => {
  // omv_protocol_sys_info_t, field by field.
  const infoBytes = words(
    0x411fc271, // cpu_id
    0x00340038, 0x31385111, 0x33373335, // dev_id[3]
    0x37c51204, // usb_id = VID << 16 | PID
    0x5640, 0x2145, 0, // chip_id[3]
    0xdead, 0xbeef, // reserved_id[2]
    (1 << 4) | (1 << 7) | (6 << 8) | (1 << 18) | (1 << 21), 0x77, // hw_caps[2]
    2048, 1024, 512, 32, // flash, ram, frame buffer, stream buffer (KiB)
    1, 2, 3, // reserved_memory[3]
  );

  it('decode SYS_INFO as the 76-byte omv_protocol_sys_info_t', () => {
    expect(infoBytes.length).toBe(76);
    expect(sysInfo.decode(infoBytes)).toEqual({
      cpuId: 0x411fc271,
      devId: [0x00340038, 0x31385111, 0x33373335],
      uniqueId: '003400383138511133373335',
      usbVid: 0x37c5,
      usbPid: 0x1204,
      chipId: [0x5640, 0x2145, 0],
      hwCaps: [(1 << 4) | (1 << 7) | (6 << 8) | (1 << 18) | (1 << 21), 0x77],
      features: ['JPEG', 'PMU', 'SD', 'MULTICORE'],
      pmuEventCounters: 6,
      flashSizeKb: 2048,
      ramSizeKb: 1024,
      frameBufferSizeKb: 512,
      streamBufferSizeKb: 32,
    });
  });

  it('give the unique id in upper-case hex, zero-padded word by word', () => {
    expect(sysInfo.decode(words(0, 0xabcdef, 1, 0xfedcba98, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).uniqueId).toBe('00ABCDEF00000001FEDCBA98');
  });

  it('round-trip SYS_INFO, sending the reserved words as zeros', () => {
    const info = sysInfo.decode(infoBytes);
    const again = sysInfo.encode(info);
    expect(sysInfo.decode(again)).toEqual(info);
    expect(again.subarray(32, 40)).toEqual(new Uint8Array(8));
    expect(again.subarray(64)).toEqual(new Uint8Array(12));
    expect(() => sysInfo.encode({ ...info, usbVid: 0x10000 })).toThrow(RangeError);
  });

  it('refuse a SYS_INFO reply of the wrong size, naming the opcode and sizes', () => {
    expect(() => sysInfo.decode(infoBytes.subarray(0, 75))).toThrow(FormatError);
    expect(() => sysInfo.decode(infoBytes.subarray(0, 75))).toThrow(/SYS_INFO \(0x12\) reply: expected 76 bytes, got 75/);
    expect(() => sysInfo.decode(new Uint8Array(80))).toThrow(/got 80/);
  });

  it('decode SYS_MEMORY: u8 count, 3 reserved bytes, 24-byte pools (u8 type, reserved, u16 flags, 5×u32)', () => {
    const bytes = new Uint8Array(4 + 48);
    const dv = new DataView(bytes.buffer);
    bytes[0] = 2;
    bytes[1] = 0xee; // reserved
    bytes[4] = 0; // GC
    [100, 40, 60, 0, 0].forEach((v, i) => dv.setUint32(8 + 4 * i, v, true));
    bytes[28] = 1; // UMA
    dv.setUint16(30, 0x0103, true);
    [1 << 20, 5, (1 << 20) - 5, 2, 9].forEach((v, i) => dv.setUint32(32 + 4 * i, v, true));
    const pools = memoryStats.decode(bytes);
    expect(pools).toEqual([
      { type: 0, flags: 0, total: 100, used: 40, free: 60, persist: 0, peak: 0 },
      { type: 1, flags: 0x0103, total: 1 << 20, used: 5, free: (1 << 20) - 5, persist: 2, peak: 9 },
    ]);
    expect(memoryStats.decode(memoryStats.encode(pools))).toEqual(pools);
  });

  it('bound the SYS_MEMORY pool count by the payload size', () => {
    expect(() => memoryStats.decode(new Uint8Array([2, 0, 0, 0]))).toThrow(/SYS_MEMORY \(0x14\) reply with 2 pools: expected 52 bytes, got 4/);
    expect(() => memoryStats.decode(new Uint8Array(3))).toThrow(FormatError);
    expect(memoryStats.decode(new Uint8Array(4))).toEqual([]);
  });

  it('decode events as a u16 code, an empty payload being NOTIFY (the firmware sends 2 bytes, not the 4 its docs say)', () => {
    expect(event.decode(new Uint8Array(0))).toBe(SysEvent.NOTIFY);
    expect(event.decode(new Uint8Array([1, 0]))).toBe(SysEvent.CHANNEL_UNREGISTERED);
    expect(event.decode(new Uint8Array([0xaa, 0x00]))).toBe(0xaa);
    expect(event.encode(SysEvent.NOTIFY)).toEqual(new Uint8Array(0));
    expect(event.encode(SysEvent.SOFT_REBOOT)).toEqual(new Uint8Array([2, 0]));
    expect(() => event.decode(new Uint8Array(4))).toThrow(/SYS_EVENT \(0x13\)\/CHANNEL_EVENT \(0x29\) payload: expected 2 bytes, got 4/);
    expect(() => event.encode(0x10000)).toThrow(RangeError);
  });
});

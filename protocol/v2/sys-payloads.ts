import { ByteReader, ByteWriter } from '../cursor.js';
import { HW_CAPS_PMU_SHIFT, HwCap, Opcode, SysEvent, type HwCapName } from './constants.js';
import { checkInt, expectSize, opcodeLabel, payloadError, U16, U32, U8, type Codec } from './payload-codec.js';
import type { Triple } from './proto-payloads.js';

/** Payloads of the system opcodes and events, laid out as protocol/omv_protocol.h's packed structs. */

/**
 * omv_protocol_sys_info_t (76 bytes, 19 u32): cpu_id, dev_id[3], usb_id (VID << 16 | PID), chip_id[3],
 * reserved_id[2], hw_caps[2], flash/ram/frame buffer/stream buffer sizes in KiB, reserved_memory[3].
 * `uniqueId`, `features` and `pmuEventCounters` are derived from `devId` and `hwCaps`; encode ignores them.
 */
export interface SysInfo {
  /** The Cortex-M SCB->CPUID register. */
  cpuId: number;
  /** The MCU's 96-bit unique id, most significant word first (the firmware reads the UID words top down). */
  devId: Triple;
  /** devId as 24 upper-case hex digits: the camera's stable identity. */
  uniqueId: string;
  usbVid: number;
  usbPid: number;
  /** Ids of up to three detected image sensors; 0 where there is none. */
  chipId: Triple;
  hwCaps: [number, number];
  /** Names of the HwCap bits set in hwCaps[0]. */
  features: HwCapName[];
  pmuEventCounters: number;
  /** The firmware at cbbb877e always sends 0 for flash and RAM sizes. */
  flashSizeKb: number;
  ramSizeKb: number;
  frameBufferSizeKb: number;
  streamBufferSizeKb: number;
}
export const SYS_INFO_SIZE = 76;
const SYS_INFO_WHAT = `${opcodeLabel(Opcode.SYS_INFO)} reply`;

export const sysInfo: Codec<SysInfo> = {
  encode: (s) => {
    const w = new ByteWriter(SYS_INFO_SIZE).u32(checkInt('cpu id', s.cpuId, U32));
    for (const n of s.devId) w.u32(checkInt('device id word', n, U32));
    w.u32(((checkInt('USB VID', s.usbVid, U16) << 16) | checkInt('USB PID', s.usbPid, U16)) >>> 0);
    for (const n of s.chipId) w.u32(checkInt('sensor chip id', n, U32));
    w.skip(8);
    for (const n of s.hwCaps) w.u32(checkInt('hw caps word', n, U32));
    for (const n of [s.flashSizeKb, s.ramSizeKb, s.frameBufferSizeKb, s.streamBufferSizeKb]) w.u32(checkInt('memory size', n, U32));
    return w.bytes;
  },
  decode: (p) => {
    expectSize(p, SYS_INFO_SIZE, SYS_INFO_WHAT);
    const r = new ByteReader(p, SYS_INFO_WHAT);
    const cpuId = r.u32();
    const devId: Triple = [r.u32(), r.u32(), r.u32()];
    const usbId = r.u32();
    const chipId: Triple = [r.u32(), r.u32(), r.u32()];
    r.skip(8);
    const hwCaps: [number, number] = [r.u32(), r.u32()];
    return {
      cpuId,
      devId,
      uniqueId: devId.map((n) => n.toString(16).toUpperCase().padStart(8, '0')).join(''),
      usbVid: usbId >>> 16,
      usbPid: usbId & 0xffff,
      chipId,
      hwCaps,
      features: (Object.keys(HwCap) as HwCapName[]).filter((name) => (hwCaps[0] & HwCap[name]) !== 0),
      pmuEventCounters: (hwCaps[0] >>> HW_CAPS_PMU_SHIFT) & 0xff,
      flashSizeKb: r.u32(),
      ramSizeKb: r.u32(),
      frameBufferSizeKb: r.u32(),
      streamBufferSizeKb: r.u32(),
    };
  },
};

/** omv_protocol_mem_entry_t (24 bytes): one GC heap or UMA pool. */
export interface MemoryPool {
  /** MemType */
  type: number;
  flags: number;
  total: number;
  used: number;
  free: number;
  /** 0 for the GC heap. */
  persist: number;
  /** 0 for the GC heap. */
  peak: number;
}
const MEM_ENTRY_SIZE = 24;
const MEM_WHAT = `${opcodeLabel(Opcode.SYS_MEMORY)} reply`;

/** SYS_MEMORY reply (omv_protocol_mem_stats_t): u8 count, 3 reserved bytes, then `count` pools, GC heap first. */
export const memoryStats: Codec<MemoryPool[]> = {
  encode: (pools) => {
    const w = new ByteWriter(4 + MEM_ENTRY_SIZE * pools.length).u8(checkInt('memory pool count', pools.length, U8)).skip(3);
    for (const m of pools) {
      w.u8(checkInt('pool type', m.type, U8)).skip(1).u16(checkInt('pool flags', m.flags, U16));
      for (const n of [m.total, m.used, m.free, m.persist, m.peak]) w.u32(checkInt('pool byte count', n, U32));
    }
    return w.bytes;
  },
  decode: (p) => {
    if (p.length < 4) throw payloadError(MEM_WHAT, `expected at least 4 bytes, got ${p.length}`);
    const count = p[0] as number;
    expectSize(p, 4 + MEM_ENTRY_SIZE * count, `${MEM_WHAT} with ${count} pools`);
    const r = new ByteReader(p, MEM_WHAT);
    r.skip(4);
    return Array.from({ length: count }, () => {
      const type = r.u8();
      r.skip(1);
      return { type, flags: r.u16(), total: r.u32(), used: r.u32(), free: r.u32(), persist: r.u32(), peak: r.u32() };
    });
  },
};

/**
 * SYS_EVENT (channel 0) and CHANNEL_EVENT payload: a u16 event code, or nothing for SysEvent.NOTIFY.
 * (docs/protocol.md says 4 bytes; the firmware sends sizeof(uint16_t).)
 */
export const event: Codec<number> = {
  encode: (e) => (checkInt('event code', e, U16) === SysEvent.NOTIFY ? new Uint8Array(0) : new ByteWriter(2).u16(e).bytes),
  decode: (p) => {
    if (p.length === 0) return SysEvent.NOTIFY;
    expectSize(p, 2, `${opcodeLabel(Opcode.SYS_EVENT)}/${opcodeLabel(Opcode.CHANNEL_EVENT)} payload`);
    return (p[0] as number) | ((p[1] as number) << 8);
  },
};

import { ByteReader, ByteWriter, expectSize } from '../cursor.js';
import { FormatError } from '../errors.js';
import { CapsFlag, CHANNEL_NAME_SIZE, MAX_CHANNELS, SysEvent } from './constants.js';

/**
 * Structured payloads of Protocol V2, laid out as the firmware's packed structs (protocol/omv_protocol.h,
 * lib/imlib/framebuffer.h). Each codec's decode checks the payload size and throws FormatError naming it.
 */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(payload: Uint8Array): T;
}

export interface Caps {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
}

export const caps: Codec<Caps> = {
  encode: (c) =>
    new ByteWriter(16)
      .u32((c.crc ? CapsFlag.CRC : 0) | (c.seq ? CapsFlag.SEQ : 0) | (c.ack ? CapsFlag.ACK : 0) | (c.events ? CapsFlag.EVENTS : 0))
      .u16(c.maxPayload).bytes,
  decode: (p) => {
    expectSize(p, 16, 'caps payload');
    const r = new ByteReader(p, 'caps payload');
    const flags = r.u32();
    return {
      crc: (flags & CapsFlag.CRC) !== 0,
      seq: (flags & CapsFlag.SEQ) !== 0,
      ack: (flags & CapsFlag.ACK) !== 0,
      events: (flags & CapsFlag.EVENTS) !== 0,
      maxPayload: r.u16(),
    };
  },
};

export interface Stats {
  sentPackets: number;
  recvPackets: number;
  checksumErrors: number;
  sequenceErrors: number;
  retransmit: number;
  transportErrors: number;
  sentEvents: number;
}
const STATS_FIELDS = ['sentPackets', 'recvPackets', 'checksumErrors', 'sequenceErrors', 'retransmit', 'transportErrors', 'sentEvents'] as const;

export const stats: Codec<Stats> = {
  encode: (s) => {
    const w = new ByteWriter(32);
    for (const f of STATS_FIELDS) w.u32(s[f]);
    return w.bytes;
  },
  decode: (p) => {
    expectSize(p, 32, 'stats payload');
    const r = new ByteReader(p, 'stats payload');
    return Object.fromEntries(STATS_FIELDS.map((f) => [f, r.u32()])) as unknown as Stats;
  },
};

export type Triple = [number, number, number];
export interface Version {
  protocol: Triple;
  bootloader: Triple;
  firmware: Triple;
}

export const version: Codec<Version> = {
  encode: (v) => {
    const w = new ByteWriter(16);
    for (const t of [v.protocol, v.bootloader, v.firmware]) for (const n of t) w.u8(n);
    return w.bytes;
  },
  decode: (p) => {
    expectSize(p, 16, 'version payload');
    const r = new ByteReader(p, 'version payload');
    const triple = (): Triple => [r.u8(), r.u8(), r.u8()];
    return { protocol: triple(), bootloader: triple(), firmware: triple() };
  },
};

export interface SysInfo {
  cpuId: number;
  /** The MCU's 96-bit unique id as three words, and as 24 upper-case hex digits (a camera's stable identity). */
  devId: Triple;
  uniqueId: string;
  usbVid: number;
  usbPid: number;
  chipId: Triple;
  hwCaps: [number, number];
  flashSizeKb: number;
  ramSizeKb: number;
  frameBufferSizeKb: number;
  streamBufferSizeKb: number;
}

export const sysInfo: Codec<SysInfo> = {
  encode: (s) => {
    const w = new ByteWriter(76).u32(s.cpuId);
    for (const n of s.devId) w.u32(n);
    w.u32(((s.usbVid << 16) | s.usbPid) >>> 0);
    for (const n of s.chipId) w.u32(n);
    w.skip(8);
    for (const n of s.hwCaps) w.u32(n);
    return w.u32(s.flashSizeKb).u32(s.ramSizeKb).u32(s.frameBufferSizeKb).u32(s.streamBufferSizeKb).bytes;
  },
  decode: (p) => {
    expectSize(p, 76, 'SYS_INFO payload');
    const r = new ByteReader(p, 'SYS_INFO payload');
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
      flashSizeKb: r.u32(),
      ramSizeKb: r.u32(),
      frameBufferSizeKb: r.u32(),
      streamBufferSizeKb: r.u32(),
    };
  },
};

export interface MemoryPool {
  type: number;
  flags: number;
  total: number;
  used: number;
  free: number;
  persist: number;
  peak: number;
}

export const memoryStats: Codec<MemoryPool[]> = {
  encode: (pools) => {
    const w = new ByteWriter(4 + 24 * pools.length).u8(pools.length).skip(3);
    for (const m of pools) w.u8(m.type).skip(1).u16(m.flags).u32(m.total).u32(m.used).u32(m.free).u32(m.persist).u32(m.peak);
    return w.bytes;
  },
  decode: (p) => {
    const r = new ByteReader(p, 'SYS_MEMORY payload');
    const count = r.u8();
    r.skip(3);
    expectSize(p, 4 + 24 * count, `SYS_MEMORY payload with ${count} pools`);
    return Array.from({ length: count }, () => {
      const type = r.u8();
      r.skip(1);
      return { type, flags: r.u16(), total: r.u32(), used: r.u32(), free: r.u32(), persist: r.u32(), peak: r.u32() };
    });
  },
};

export interface ChannelEntry {
  id: number;
  flags: number;
  name: string;
}

export const channelList: Codec<ChannelEntry[]> = {
  encode: (entries) => {
    const w = new ByteWriter(16 * entries.length);
    for (const e of entries) {
      const name = new TextEncoder().encode(e.name);
      if (name.length > CHANNEL_NAME_SIZE - 1) throw new RangeError(`channel name "${e.name}" is longer than ${CHANNEL_NAME_SIZE - 1} bytes`);
      w.u8(e.id).u8(e.flags).put(name).skip(CHANNEL_NAME_SIZE - name.length);
    }
    return w.bytes;
  },
  decode: (p) => {
    if (p.length % 16 !== 0 || p.length > 16 * MAX_CHANNELS) {
      throw new FormatError(`CHANNEL_LIST payload: expected a multiple of 16 bytes up to ${16 * MAX_CHANNELS}, got ${p.length}`);
    }
    const r = new ByteReader(p, 'CHANNEL_LIST payload');
    return Array.from({ length: p.length / 16 }, () => {
      const id = r.u8();
      const flags = r.u8();
      const raw = r.bytesOf(CHANNEL_NAME_SIZE);
      const nul = raw.indexOf(0);
      return { id, flags, name: new TextDecoder('utf-8', { fatal: false }).decode(raw.subarray(0, nul === -1 ? raw.length : nul)) };
    });
  },
};

export interface ReadRequest {
  offset: number;
  length: number;
}

export const readRequest: Codec<ReadRequest> = {
  encode: (q) => new ByteWriter(8).u32(q.offset).u32(q.length).bytes,
  decode: (p) => {
    expectSize(p, 8, 'CHANNEL_READ request');
    const r = new ByteReader(p, 'CHANNEL_READ request');
    return { offset: r.u32(), length: r.u32() };
  },
};

export interface WriteRequest {
  offset: number;
  data: Uint8Array;
}

export const writeRequest: Codec<WriteRequest> = {
  encode: (q) => new ByteWriter(8 + q.data.length).u32(q.offset).u32(q.data.length).put(q.data).bytes,
  decode: (p) => {
    const r = new ByteReader(p, 'CHANNEL_WRITE request');
    const offset = r.u32();
    const length = r.u32();
    expectSize(p, 8 + length, `CHANNEL_WRITE request of ${length} data bytes`);
    return { offset, data: r.bytesOf(length) };
  },
};

export interface IoctlRequest {
  request: number;
  args: Uint8Array;
}

export const ioctlRequest: Codec<IoctlRequest> = {
  encode: (q) => new ByteWriter(4 + q.args.length).u32(q.request).put(q.args).bytes,
  decode: (p) => {
    const r = new ByteReader(p, 'CHANNEL_IOCTL request');
    const request = r.u32();
    return { request, args: r.bytesOf(r.remaining) };
  },
};

/** A single little-endian u32: CHANNEL_SIZE replies. */
export const u32: Codec<number> = {
  encode: (n) => new ByteWriter(4).u32(n).bytes,
  decode: (p) => {
    expectSize(p, 4, 'u32 payload');
    return new ByteReader(p, 'u32 payload').u32();
  },
};

/** CHANNEL_POLL reply: bit n set when channel n has data. Decoded as the list of ready channel ids. */
export const pollMask: Codec<number[]> = {
  encode: (ids) => u32.encode(ids.reduce((m, id) => (m | (1 << id)) >>> 0, 0)),
  decode: (p) => {
    const mask = u32.decode(p);
    return Array.from({ length: 32 }, (_, i) => i).filter((i) => (mask >>> i) & 1);
  },
};

/** CHANNEL_SHAPE reply: up to 4 size_t dimensions (u32 on OpenMV's 32-bit MCUs). */
export const shape: Codec<number[]> = {
  encode: (dims) => {
    const w = new ByteWriter(4 * dims.length);
    for (const d of dims) w.u32(d);
    return w.bytes;
  },
  decode: (p) => {
    if (p.length % 4 !== 0 || p.length > 16) throw new FormatError(`CHANNEL_SHAPE reply: expected 0–4 u32 dimensions, got ${p.length} bytes`);
    const r = new ByteReader(p, 'CHANNEL_SHAPE reply');
    return Array.from({ length: p.length / 4 }, () => r.u32());
  },
};

/** NAK payload: a u16 status code. */
export const status: Codec<number> = {
  encode: (s) => new ByteWriter(2).u16(s).bytes,
  decode: (p) => {
    expectSize(p, 2, 'status payload');
    return new ByteReader(p, 'status payload').u16();
  },
};

/** SYS_EVENT / CHANNEL_EVENT payload: a u16 event code; an empty payload is the NOTIFY event. */
export const event: Codec<number> = {
  encode: (e) => (e === SysEvent.NOTIFY ? new Uint8Array(0) : status.encode(e)),
  decode: (p) => (p.length === 0 ? SysEvent.NOTIFY : status.decode(p)),
};

/** The stream channel's frame header (framebuffer_header_t); frame bytes start at `offset`. */
export interface StreamHeader {
  width: number;
  height: number;
  pixformat: number;
  offset: number;
  fps: number;
}

export const streamHeader: Codec<StreamHeader> = {
  encode: (h) => new ByteWriter(20).u32(h.width).u32(h.height).u32(h.pixformat).u32(h.offset).f32(h.fps).bytes,
  decode: (p) => {
    if (p.length < 20) throw new FormatError(`stream frame header: expected at least 20 bytes, got ${p.length}`);
    const r = new ByteReader(p, 'stream frame header');
    return { width: r.u32(), height: r.u32(), pixformat: r.u32(), offset: r.u32(), fps: r.f32() };
  },
};

import { ByteReader, ByteWriter } from '../cursor.js';
import { CHANNEL_NAME_SIZE, MAX_CHANNELS, Opcode } from './constants.js';
import { checkInt, expectSize, opcodeLabel, payloadError, U32, U8, type Codec } from './payload-codec.js';

/** Payloads of the channel opcodes, laid out as protocol/omv_protocol.h's packed structs. */

/** omv_protocol_channel_entry_t (16 bytes): u8 id, u8 flags (ChannelFlag), NUL-terminated name in 14 bytes. */
export interface ChannelEntry {
  id: number;
  flags: number;
  name: string;
}
const ENTRY_SIZE = 2 + CHANNEL_NAME_SIZE;
const LIST_WHAT = `${opcodeLabel(Opcode.CHANNEL_LIST)} reply`;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const toUtf8 = new TextEncoder();

/** CHANNEL_LIST reply: one entry per registered channel, at most MAX_CHANNELS. */
export const channelList: Codec<ChannelEntry[]> = {
  encode: (entries) => {
    checkInt('channel count', entries.length, MAX_CHANNELS);
    const w = new ByteWriter(ENTRY_SIZE * entries.length);
    for (const e of entries) {
      const name = toUtf8.encode(e.name);
      if (name.length > CHANNEL_NAME_SIZE - 1 || name.includes(0)) {
        throw new RangeError(`channel name "${e.name}" must be at most ${CHANNEL_NAME_SIZE - 1} UTF-8 bytes without NUL`);
      }
      w.u8(checkInt('channel id', e.id, MAX_CHANNELS - 1)).u8(checkInt('channel flags', e.flags, U8)).put(name).skip(CHANNEL_NAME_SIZE - name.length);
    }
    return w.bytes;
  },
  decode: (p) => {
    if (p.length % ENTRY_SIZE !== 0 || p.length > ENTRY_SIZE * MAX_CHANNELS) {
      throw payloadError(LIST_WHAT, `expected a multiple of ${ENTRY_SIZE} bytes up to ${ENTRY_SIZE * MAX_CHANNELS}, got ${p.length}`);
    }
    const r = new ByteReader(p, LIST_WHAT);
    return Array.from({ length: p.length / ENTRY_SIZE }, (_, i) => {
      const id = r.u8();
      if (id >= MAX_CHANNELS) throw payloadError(LIST_WHAT, `entry ${i} has channel id ${id}, above the firmware's ${MAX_CHANNELS - 1}`);
      const flags = r.u8();
      const raw = r.bytesOf(CHANNEL_NAME_SIZE);
      const nul = raw.indexOf(0);
      return { id, flags, name: utf8.decode(nul === -1 ? raw : raw.subarray(0, nul)) };
    });
  },
};

/** CHANNEL_READ request (omv_protocol_channel_io_t without data). The reply is `length` bytes, in fragments. */
export interface ReadRequest {
  offset: number;
  length: number;
}

export const readRequest: Codec<ReadRequest> = {
  encode: (q) => new ByteWriter(8).u32(checkInt('read offset', q.offset, U32)).u32(checkInt('read length', q.length, U32)).bytes,
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_READ)} request`;
    expectSize(p, 8, what);
    const r = new ByteReader(p, what);
    return { offset: r.u32(), length: r.u32() };
  },
};

/** CHANNEL_WRITE request (omv_protocol_channel_io_t): u32 offset, u32 length, then that many data bytes. */
export interface WriteRequest {
  offset: number;
  /** Decoded as a view into the payload. */
  data: Uint8Array;
}

export const writeRequest: Codec<WriteRequest> = {
  encode: (q) => new ByteWriter(8 + q.data.length).u32(checkInt('write offset', q.offset, U32)).u32(q.data.length).put(q.data).bytes,
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_WRITE)} request`;
    if (p.length < 8) throw payloadError(what, `expected at least 8 bytes, got ${p.length}`);
    const r = new ByteReader(p, what);
    const offset = r.u32();
    const length = r.u32();
    expectSize(p, 8 + length, `${what} declaring ${length} data bytes`);
    return { offset, data: r.bytesOf(length) };
  },
};

/** CHANNEL_IOCTL request (omv_protocol_channel_ioctl_t): u32 request, then its argument bytes. */
export interface IoctlRequest {
  request: number;
  /** Decoded as a view into the payload. */
  args: Uint8Array;
}

export const ioctlRequest: Codec<IoctlRequest> = {
  encode: (q) => new ByteWriter(4 + q.args.length).u32(checkInt('ioctl request', q.request, U32)).put(q.args).bytes,
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_IOCTL)} request`;
    if (p.length < 4) throw payloadError(what, `expected at least 4 bytes, got ${p.length}`);
    const r = new ByteReader(p, what);
    return { request: r.u32(), args: r.bytesOf(p.length - 4) };
  },
};

/** The built-in channels' ioctl handlers copy their arguments into a 16-byte union of u32. */
const MAX_IOCTL_WORDS = 4;

/** CHANNEL_IOCTL request whose arguments are u32 words, as every built-in ioctl's are (STREAM_RAW_CFG: w, h). */
export const ioctlWords: Codec<{ request: number; args: number[] }> = {
  encode: (q) => {
    checkInt('ioctl argument count', q.args.length, MAX_IOCTL_WORDS);
    const w = new ByteWriter(4 + 4 * q.args.length).u32(checkInt('ioctl request', q.request, U32));
    for (const a of q.args) w.u32(checkInt('ioctl argument', a, U32));
    return w.bytes;
  },
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_IOCTL)} request`;
    if (p.length < 4 || p.length % 4 !== 0 || p.length > 4 + 4 * MAX_IOCTL_WORDS) {
      throw payloadError(what, `expected 4 bytes plus up to ${MAX_IOCTL_WORDS} u32 arguments, got ${p.length} bytes`);
    }
    const r = new ByteReader(p, what);
    return { request: r.u32(), args: Array.from({ length: p.length / 4 - 1 }, () => r.u32()) };
  },
};

/** CHANNEL_POLL reply: a u32 with bit n set when channel n has data; decoded as the ready ids, ascending. */
export const pollMask: Codec<number[]> = {
  encode: (ids) => new ByteWriter(4).u32(ids.reduce((m, id) => (m | (1 << checkInt('channel id', id, MAX_CHANNELS - 1))) >>> 0, 0)).bytes,
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_POLL)} reply`;
    expectSize(p, 4, what);
    const mask = new ByteReader(p, what).u32();
    return Array.from({ length: MAX_CHANNELS }, (_, i) => i).filter((i) => (mask >>> i) & 1);
  },
};

/** CHANNEL_SIZE reply: the u32 number of bytes the channel can be read for. */
export const channelSize: Codec<number> = {
  encode: (n) => new ByteWriter(4).u32(checkInt('channel size', n, U32)).bytes,
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_SIZE)} reply`;
    expectSize(p, 4, what);
    return new ByteReader(p, what).u32();
  },
};

const MAX_SHAPE_DIMS = 4;

/**
 * CHANNEL_SHAPE reply: up to 4 size_t (u32 on OpenMV's MCUs) dimensions. The stream channel sends (size) for a
 * compressed frame and (w, h, bpp) otherwise; the profile channel (records, record size).
 */
export const shape: Codec<number[]> = {
  encode: (dims) => {
    checkInt('shape dimension count', dims.length, MAX_SHAPE_DIMS);
    const w = new ByteWriter(4 * dims.length);
    for (const d of dims) w.u32(checkInt('shape dimension', d, U32));
    return w.bytes;
  },
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.CHANNEL_SHAPE)} reply`;
    if (p.length % 4 !== 0 || p.length > 4 * MAX_SHAPE_DIMS) {
      throw payloadError(what, `expected 0 to ${MAX_SHAPE_DIMS} u32 dimensions, got ${p.length} bytes`);
    }
    const r = new ByteReader(p, what);
    return Array.from({ length: p.length / 4 }, () => r.u32());
  },
};

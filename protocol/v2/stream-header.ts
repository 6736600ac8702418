import { ByteReader, ByteWriter } from '../cursor.js';
import { checkInt, payloadError, U32, type Codec } from './payload-codec.js';

/**
 * The header that starts every read of the stream channel (framebuffer_header_t, lib/imlib/framebuffer.h):
 * u32 width, u32 height, u32 pixformat, u32 size, u32 offset, f32 fps, then padding up to `offset`
 * (sizeof the struct: its data[] member is aligned to the 32-byte cache line). Frame bytes start at `offset`.
 * Firmware before 32272d9da (April 2026) has no fps; its bytes 20..23 are padding, zeroed by STREAM_CTRL.
 */
export interface StreamHeader {
  width: number;
  height: number;
  pixformat: number;
  /** Byte size of a compressed (JPEG/PNG) frame; bytes per pixel otherwise. */
  size: number;
  offset: number;
  /** The camera's frame rate estimate; 0 when unknown. Carried as f32. */
  fps: number;
}
/** Bytes of fields; the header on the wire is `offset` bytes. */
export const STREAM_HEADER_FIELDS_SIZE = 24;
const WHAT = 'stream channel frame header';

export const streamHeader: Codec<StreamHeader> = {
  /** Encodes `offset` bytes: the fields, then zero padding. */
  encode: (h) => {
    const offset = checkInt('stream header offset', h.offset, U32, STREAM_HEADER_FIELDS_SIZE);
    const w = new ByteWriter(offset);
    for (const [name, n] of [['width', h.width], ['height', h.height], ['pixformat', h.pixformat], ['size', h.size]] as const) {
      w.u32(checkInt(`stream header ${name}`, n, U32));
    }
    return w.u32(offset).f32(h.fps).bytes;
  },
  /** Reads the fields at the start of `p`, which may go on with the frame. */
  decode: (p) => {
    if (p.length < STREAM_HEADER_FIELDS_SIZE) throw payloadError(WHAT, `expected at least ${STREAM_HEADER_FIELDS_SIZE} bytes, got ${p.length}`);
    const r = new ByteReader(p, WHAT);
    const header = { width: r.u32(), height: r.u32(), pixformat: r.u32(), size: r.u32(), offset: r.u32(), fps: r.f32() };
    if (header.offset < STREAM_HEADER_FIELDS_SIZE) throw payloadError(WHAT, `data offset ${header.offset} points inside the header`);
    return header;
  },
};

/** One whole read of the stream channel: its header and the frame bytes (a view into the read, not a copy). */
export interface StreamFrame {
  header: StreamHeader;
  data: Uint8Array;
}

export const streamFrame: Codec<StreamFrame> = {
  encode: ({ header, data }) => {
    const head = streamHeader.encode(header);
    const bytes = new Uint8Array(head.length + data.length);
    bytes.set(head);
    bytes.set(data, header.offset);
    return bytes;
  },
  decode: (p) => {
    const header = streamHeader.decode(p);
    if (header.offset > p.length) throw payloadError(WHAT, `data offset ${header.offset} is past the ${p.length}-byte read`);
    return { header, data: p.subarray(header.offset) };
  },
};

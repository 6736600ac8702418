import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { streamFrame, streamHeader } from '../../../protocol/v2/stream-header.js';

/** A stream channel read as framebuffer_header_t lays it out: six fields, padding to offset 32, then the frame. */
function read(fields: { w: number; h: number; pixfmt: number; size: number; offset: number; fps: number }, frame: number[]): Uint8Array {
  const bytes = new Uint8Array(fields.offset + frame.length);
  const dv = new DataView(bytes.buffer);
  [fields.w, fields.h, fields.pixfmt, fields.size, fields.offset].forEach((v, i) => dv.setUint32(4 * i, v, true));
  dv.setFloat32(20, fields.fps, true);
  bytes.set(frame, fields.offset);
  return bytes;
}

describe('stream frame header', () => {
  const jpeg = read({ w: 320, h: 240, pixfmt: 0x06060000, size: 4, offset: 32, fps: 29.5 }, [0xff, 0xd8, 0xff, 0xd9]);

  it('decodes width, height, pixformat, size, offset and fps (framebuffer_header_t)', () => {
    expect(streamHeader.decode(jpeg)).toEqual({ width: 320, height: 240, pixformat: 0x06060000, size: 4, offset: 32, fps: 29.5 });
  });

  it('splits a whole read into its header and the frame bytes at offset', () => {
    const frame = streamFrame.decode(jpeg);
    expect(frame.data).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    expect(streamFrame.encode(frame)).toEqual(jpeg);
  });

  it('reads zero fps from firmware that predates the field (zeroed padding)', () => {
    const old = read({ w: 160, h: 120, pixfmt: 0x0c020001, size: 2, offset: 32, fps: 0 }, []);
    expect(streamHeader.decode(old).fps).toBe(0);
    expect(streamHeader.decode(old).size).toBe(2);
  });

  it('refuses a header that is too short or whose offset points inside it or past the read', () => {
    expect(() => streamHeader.decode(jpeg.subarray(0, 23))).toThrow(FormatError);
    expect(() => streamHeader.decode(jpeg.subarray(0, 23))).toThrow(/expected at least 24 bytes, got 23/);
    const inside = jpeg.slice();
    inside[16] = 20;
    expect(() => streamHeader.decode(inside)).toThrow(/offset 20 points inside the header/);
    expect(() => streamFrame.decode(jpeg.subarray(0, 30))).toThrow(/offset 32 is past the 30-byte read/);
    expect(() => streamHeader.encode({ width: 1, height: 1, pixformat: 0, size: 1, offset: 20, fps: 0 })).toThrow(RangeError);
  });
});

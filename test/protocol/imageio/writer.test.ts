import { describe, expect, it } from 'vitest';
import { encodeFileHeader, encodeFrameRecord, encodeImageIo, ImageIoWriter, parseImageIo, Pixformat } from '../../../protocol/imageio/index.js';

const u32s = (bytes: Uint8Array, at: number, n: number): number[] => [...new Uint32Array(bytes.slice(at, at + 4 * n).buffer)];

describe('ImageIO writer', () => {
  it('writes the 16-byte ASCII magic for each version', () => {
    expect(Buffer.from(encodeFileHeader()).toString('latin1')).toBe('OMV IMG STR V2.0');
    expect(Buffer.from(encodeFileHeader(11)).toString('latin1')).toBe('OMV IMG STR V1.1');
    expect(Buffer.from(encodeFileHeader(10)).toString('latin1')).toBe('OMV IMG STR V1.0');
  });

  it('lays out a V2 JPEG record: elapsed, w, h, pixformat, size, 12 zero bytes, data, zero padding', () => {
    const data = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
    const rec = encodeFrameRecord({ elapsedMs: 0xfffffffe, width: 320, height: 240, pixformat: Pixformat.JPEG, data });
    expect(rec.length).toBe(48);
    expect(u32s(rec, 0, 8)).toEqual([0xfffffffe, 320, 240, 0x06060000, 7, 0, 0, 0]);
    expect(rec.subarray(32, 39)).toEqual(data);
    expect([...rec.subarray(39)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('writes size 0 for raw frames unless told the stale value, which reads back without changing the length', () => {
    const data = new Uint8Array(8).fill(3);
    expect(u32s(encodeFrameRecord({ elapsedMs: 0, width: 4, height: 1, pixformat: Pixformat.RGB565, data }), 16, 1)).toEqual([0]);
    const stale = encodeImageIo([{ elapsedMs: 0, width: 4, height: 1, pixformat: Pixformat.RGB565, data, sizeField: 153600 }]);
    expect(parseImageIo(stale).frames[0]).toMatchObject({ sizeField: 153600, dataLength: 8, paddedEnd: 64 });
  });

  it('refuses frames it could not read back the same', () => {
    const frame = { elapsedMs: 0, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(16) };
    expect(() => encodeFrameRecord({ ...frame, data: new Uint8Array(15) })).toThrow(/GRAYSCALE 4×4 frame needs 16 bytes .*got 15/);
    expect(() => encodeFrameRecord({ ...frame, width: 0 })).toThrow(/width 0 is outside 1\.\.32767/);
    expect(() => encodeFrameRecord({ ...frame, height: 32768 })).toThrow(/height 32768 is outside/);
    expect(() => encodeFrameRecord({ ...frame, elapsedMs: -1 })).toThrow(/elapsedMs -1 is not a u32/);
    expect(() => encodeFrameRecord({ ...frame, elapsedMs: 2 ** 32 })).toThrow(/not a u32/);
    expect(() => encodeFrameRecord({ ...frame, pixformat: 0x12345678 })).toThrow(/invalid pixformat 0x12345678/);
    expect(() => encodeFrameRecord({ ...frame, pixformat: Pixformat.ARGB8 })).toThrow(/ARGB8 4×4 frame needs 0 bytes/);
    expect(() => encodeFrameRecord({ ...frame, pixformat: Pixformat.JPEG, sizeField: 3 })).toThrow(/size field 3 differs from the 16 data bytes/);
    expect(() => encodeFrameRecord({ ...frame, width: 1, height: 1, pixformat: Pixformat.PNG, data: new Uint8Array(65545) })).toThrow(/exceeds the 65544/);
  });

  it('streams a file piece by piece, header first', () => {
    const w = new ImageIoWriter();
    expect(() => w.frame({ elapsedMs: 0, width: 1, height: 1, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(1) })).toThrow(/header before the first frame/);
    expect(w.header().length).toBe(16);
    expect(() => w.header()).toThrow(/already written/);
    expect(w.frame({ elapsedMs: 0, width: 1, height: 1, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(1) }).length).toBe(48);
    expect(w.frame({ elapsedMs: 9, width: 1, height: 1, pixformat: Pixformat.PNG, data: new Uint8Array(17) }).length).toBe(64);
    expect([w.bytesWritten, w.framesWritten]).toEqual([128, 2]);
  });
});

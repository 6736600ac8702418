import { describe, expect, it } from 'vitest';
import { decodePixformat, frameDataSize, legacyBppFor, Pixformat, pixformatFromLegacyBpp } from '../../../protocol/imageio/index.js';
import { memoryBufferSize, memorySlotSize, decodeMemorySlot, encodeMemorySlot, slotHeaderSize } from '../../../protocol/imageio/memory.js';

describe('pixformat words (values from openmv.md §1.6)', () => {
  const table: [number, string, number, string | undefined, boolean][] = [
    [0x08010000, 'binary', 0, undefined, false],
    [0x08020001, 'grayscale', 1, undefined, false],
    [0x0c030002, 'rgb565', 2, undefined, false],
    [0x0c080004, 'argb8', 4, undefined, false],
    [0x05040001, 'bayer', 1, 'BGGR', false],
    [0x05040101, 'bayer', 1, 'GBRG', false],
    [0x05040201, 'bayer', 1, 'GRBG', false],
    [0x05040301, 'bayer', 1, 'RGGB', false],
    [0x14050002, 'yuv', 2, 'YUYV', false],
    [0x14050102, 'yuv', 2, 'YVYU', false],
    [0x06060000, 'jpeg', 0, undefined, true],
    [0x06070000, 'png', 0, undefined, true],
  ];
  it.each(table)('0x%s decodes to its family, bpp and sub-format', (word, family, bpp, sub, compressed) => {
    expect(decodePixformat(word)).toMatchObject({ family, bpp, subformat: sub, compressed });
  });

  it('names the colour, raw and YUV flags', () => {
    expect(decodePixformat(Pixformat.RGB565)).toMatchObject({ color: true, raw: false, yuv: false });
    expect(decodePixformat(Pixformat.BAYER_RGGB)).toMatchObject({ color: true, raw: true }); // 0x05: C|R
    expect(decodePixformat(Pixformat.GRAYSCALE)).toMatchObject({ color: false, raw: false, compressed: false });
    expect(decodePixformat(Pixformat.YUV422)).toMatchObject({ yuv: true });
  });

  it('rejects words that are not valid pixformats', () => {
    expect(() => decodePixformat(0x08020002)).toThrow(/invalid pixformat 0x08020002/);
    expect(() => decodePixformat(3)).toThrow();
  });

  it('computes image_size(): binary rows are whole u32 words', () => {
    expect(frameDataSize(33, 2, Pixformat.BINARY)).toBe(16);
    expect(frameDataSize(32, 2, Pixformat.BINARY)).toBe(8);
    expect(frameDataSize(320, 240, Pixformat.GRAYSCALE)).toBe(76800);
    expect(frameDataSize(320, 240, Pixformat.RGB565)).toBe(153600);
    expect(frameDataSize(320, 240, Pixformat.YVU422)).toBe(153600);
    expect(frameDataSize(320, 240, Pixformat.BAYER_GRBG)).toBe(76800);
    expect(frameDataSize(320, 240, Pixformat.ARGB8)).toBe(0);
    expect(() => frameDataSize(320, 240, Pixformat.JPEG)).toThrow(RangeError);
  });

  it('maps legacy V1 bpp codes both ways', () => {
    expect([0, 1, 2, 3, 4, 9000].map(pixformatFromLegacyBpp)).toEqual([Pixformat.BINARY, Pixformat.GRAYSCALE, Pixformat.RGB565, Pixformat.BAYER_BGGR, Pixformat.JPEG, Pixformat.JPEG]);
    expect(legacyBppFor(Pixformat.JPEG, 9000)).toBe(9000);
    expect(() => legacyBppFor(Pixformat.JPEG, 3)).toThrow(/length is its format code/);
  });
});

describe('MEMORY-stream slots', () => {
  it('sizes slots as the firmware does (openmv.md §2)', () => {
    expect(slotHeaderSize()).toBe(32);
    expect(memoryBufferSize(320, 240, Pixformat.RGB565)).toBe(153600);
    expect(memorySlotSize(320, 240, Pixformat.RGB565)).toBe(153632);
    expect(memoryBufferSize(320, 240, Pixformat.JPEG)).toBe(19200);
    expect(memoryBufferSize(640, 480, Pixformat.JPEG)).toBe(76800);
    expect(memoryBufferSize(5, 3, Pixformat.GRAYSCALE)).toBe(32);
    expect(slotHeaderSize({ cacheLine: 32, pointerSize: 8 })).toBe(64);
  });

  it('decodes a slot laid out by hand: elapsed, w, h, pixfmt, size, pointers, data at 32', () => {
    const slot = new Uint8Array(64);
    new Uint32Array(slot.buffer, 0, 7).set([17, 4, 2, Pixformat.GRAYSCALE, 0, 0x20001000, 0x20001020]);
    slot.set([1, 2, 3, 4, 5, 6, 7, 8], 32);
    expect(decodeMemorySlot(slot)).toEqual({ elapsedMs: 17, width: 4, height: 2, pixformat: Pixformat.GRAYSCALE, size: 0, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  });

  it('round-trips a JPEG slot and refuses frames that do not fit', () => {
    const slot = new Uint8Array(memorySlotSize(16, 16, Pixformat.JPEG));
    const data = new Uint8Array(40).fill(9);
    encodeMemorySlot({ elapsedMs: 5, width: 16, height: 16, pixformat: Pixformat.JPEG, data }, slot);
    expect(decodeMemorySlot(slot)).toMatchObject({ size: 40, data });
    expect(() => encodeMemorySlot({ elapsedMs: 5, width: 16, height: 16, pixformat: Pixformat.JPEG, data: new Uint8Array(slot.length) }, slot)).toThrow(/Invalid frame size/);
    new DataView(slot.buffer).setUint32(16, 1 << 30, true);
    expect(() => decodeMemorySlot(slot)).toThrow(/does not fit/);
  });
});

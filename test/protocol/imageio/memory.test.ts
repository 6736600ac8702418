import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { bufferSize, decodeMemorySlot, encodeMemorySlot, memorySlotSize, Pixformat, slotHeaderSize } from '../../../protocol/imageio/index.js';

describe('MEMORY-stream slot sizes (openmv.md §2)', () => {
  it('QVGA RGB565: buffer_size() 153600, slot 153632', () => {
    expect(bufferSize(320, 240, Pixformat.RGB565)).toBe(153600);
    expect(memorySlotSize(320, 240, Pixformat.RGB565)).toBe(153632);
  });

  it('JPEG and PNG templates at 2 bits per pixel: QVGA 19200, VGA 76800', () => {
    expect(bufferSize(320, 240, Pixformat.JPEG)).toBe(19200);
    expect(memorySlotSize(320, 240, Pixformat.JPEG)).toBe(19232);
    expect(bufferSize(640, 480, Pixformat.JPEG)).toBe(76800);
    expect(bufferSize(640, 480, Pixformat.PNG)).toBe(76800);
    // As BINARY 33×2: two u32 words per row → 16 bytes, rounded up to the 32-byte cache line.
    expect(bufferSize(33, 1, Pixformat.JPEG)).toBe(32);
  });

  it('rounds the data room up to the cache line; ARGB8 gets none (image_size 0)', () => {
    expect(bufferSize(5, 3, Pixformat.GRAYSCALE)).toBe(32);
    expect(bufferSize(33, 3, Pixformat.BINARY)).toBe(32);
    expect(bufferSize(9, 4, Pixformat.GRAYSCALE)).toBe(64);
    expect(bufferSize(5, 3, Pixformat.GRAYSCALE, { cacheLine: 64 })).toBe(64);
    expect(memorySlotSize(4, 4, Pixformat.ARGB8)).toBe(32);
  });

  it('places the data after u32 elapsed + image_t rounded to the cache line', () => {
    expect(slotHeaderSize()).toBe(32); // 4 + (4·4 + 2·4) = 28
    expect(slotHeaderSize({ pointerSize: 8 })).toBe(64); // 4 + 16 + 16 = 36
    expect(slotHeaderSize({ pointerSize: 8, imagePointers: 1 })).toBe(32); // 4 + 16 + 8 = 28 (v4.2.1–v4.5.x)
    expect(slotHeaderSize({ cacheLine: 64 })).toBe(64);
  });

  it('refuses templates that are not frame sizes', () => {
    expect(() => bufferSize(0, 240, Pixformat.RGB565)).toThrow(RangeError);
    expect(() => bufferSize(320, 240, 0x1234)).toThrow(FormatError);
  });
});

describe('MEMORY-stream slot contents', () => {
  it('decodes a slot laid out by hand: elapsed, w, h, pixfmt, size, two pointers, data at 32', () => {
    const slot = new Uint8Array(64);
    new Uint32Array(slot.buffer, 0, 7).set([17, 4, 2, Pixformat.GRAYSCALE, 0, 0x20001000, 0x20001020]);
    slot.set([1, 2, 3, 4, 5, 6, 7, 8], 32);
    slot.fill(0xaa, 40);
    expect(decodeMemorySlot(slot)).toEqual({ elapsedMs: 17, width: 4, height: 2, pixformat: Pixformat.GRAYSCALE, size: 0, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  });

  it('round-trips a QVGA RGB565 frame and a JPEG through encode and decode', () => {
    const rgb = new Uint8Array(153600).map((_, i) => i % 251);
    const slot = new Uint8Array(memorySlotSize(320, 240, Pixformat.RGB565));
    encodeMemorySlot({ elapsedMs: 0xffffffff, width: 320, height: 240, pixformat: Pixformat.RGB565, data: rgb }, slot);
    expect(new Uint32Array(slot.buffer, 0, 8)).toEqual(new Uint32Array([0xffffffff, 320, 240, Pixformat.RGB565, 0, 0, 0, 0]));
    expect(decodeMemorySlot(slot)).toEqual({ elapsedMs: 0xffffffff, width: 320, height: 240, pixformat: Pixformat.RGB565, size: 0, data: rgb });

    // A smaller, different-format frame in the same slot, as the firmware allows.
    const jpeg = new Uint8Array(40).fill(9);
    encodeMemorySlot({ elapsedMs: 5, width: 16, height: 16, pixformat: Pixformat.JPEG, data: jpeg }, slot);
    expect(new DataView(slot.buffer).getUint32(16, true)).toBe(40);
    expect(decodeMemorySlot(slot)).toEqual({ elapsedMs: 5, width: 16, height: 16, pixformat: Pixformat.JPEG, size: 40, data: jpeg });
  });

  it('honours the board layout: 64-bit pointers put the data at 64', () => {
    const layout = { pointerSize: 8 };
    const slot = new Uint8Array(memorySlotSize(4, 4, Pixformat.GRAYSCALE, layout));
    expect(slot.length).toBe(96);
    encodeMemorySlot({ elapsedMs: 1, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(16).fill(3) }, slot, layout);
    expect(slot[63]).toBe(0);
    expect(slot[64]).toBe(3);
    expect(decodeMemorySlot(slot, layout).data).toEqual(new Uint8Array(16).fill(3));
  });

  it('refuses frames that do not fit the data room or have the wrong raw length', () => {
    const slot = new Uint8Array(memorySlotSize(16, 4, Pixformat.JPEG)); // 32 + BINARY 16×8 (32)
    expect(slot.length).toBe(64);
    encodeMemorySlot({ elapsedMs: 0, width: 16, height: 4, pixformat: Pixformat.JPEG, data: new Uint8Array(32) }, slot);
    expect(() => encodeMemorySlot({ elapsedMs: 0, width: 16, height: 4, pixformat: Pixformat.JPEG, data: new Uint8Array(33) }, slot)).toThrow(/33 bytes does not fit the 32-byte data room.*Invalid frame size/);
    expect(() => encodeMemorySlot({ elapsedMs: 0, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(15) }, slot)).toThrow(/needs 16 bytes, got 15/);
  });

  it('refuses slots that were never written or are corrupt', () => {
    expect(() => decodeMemorySlot(new Uint8Array(64))).toThrow(/frame size 0×0 at byte 4 is implausible; the slot was probably never written/);
    const slot = new Uint8Array(64);
    new Uint32Array(slot.buffer, 0, 5).set([0, 16, 16, 0xdeadbeef, 0]);
    expect(() => decodeMemorySlot(slot)).toThrow(/invalid pixformat 0xdeadbeef at byte 12/);
    new Uint32Array(slot.buffer, 0, 5).set([0, 16, 16, Pixformat.JPEG, 1 << 30]);
    expect(() => decodeMemorySlot(slot)).toThrow(FormatError);
    expect(() => decodeMemorySlot(slot)).toThrow(/JPEG 16×16 frame of 1073741824 bytes does not fit/);
    expect(() => decodeMemorySlot(new Uint8Array(20))).toThrow(/shorter than its 32-byte header/);
  });
});

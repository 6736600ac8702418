import { describe, expect, it } from 'vitest';
import { rawToGray, rawToRgb } from '../../host/pixels/index.js';
import { FormatError } from '../../protocol/errors.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';

const frame = (pixformat: number, width: number, height: number, data: number[] | Uint8Array, byteSwapped = false) => ({ pixformat, width, height, data: Uint8Array.from(data), byteSwapped });
const triples = (a: Uint8Array) => Array.from({ length: a.length / 3 }, (_, i) => [a[3 * i], a[3 * i + 1], a[3 * i + 2]]);

describe('RGB565', () => {
  it('little-endian words, 5/6-bit values widened by repeating their top bits', () => {
    // 0xF800 red, 0x07E0 green, 0x001F blue, 0xFFFF white; 0x8410: r5 16 → 128|4, g6 32 → 128|2, b5 16 → 132;
    // 0x0821: r5 1 → 8, g6 1 → 4, b5 1 → 8; 0xF000: r5 30 → 240|7.
    const rgb = rawToRgb(frame(Pixformat.RGB565, 7, 1, [0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xff, 0xff, 0x10, 0x84, 0x21, 0x08, 0x00, 0xf0]));
    expect(triples(rgb)).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
      [132, 130, 132],
      [8, 4, 8],
      [247, 0, 0],
    ]);
  });

  it('byte-swapped (ImageIO V1.0) frames hold big-endian words', () => {
    const rgb = rawToRgb(frame(Pixformat.RGB565, 3, 1, [0xf8, 0x00, 0x00, 0x1f, 0x08, 0x21], true));
    expect(triples(rgb)).toEqual([
      [255, 0, 0],
      [0, 0, 255],
      [8, 4, 8],
    ]);
  });

  it('gray is OpenMV luma (38 R + 75 G + 15 B) >> 7', () => {
    // red 38·255 >> 7 = 75, green 75·255 >> 7 = 149, blue 15·255 >> 7 = 29, white 128·255 >> 7 = 255
    const gray = rawToGray(frame(Pixformat.RGB565, 4, 1, [0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xff, 0xff]));
    expect([...gray]).toEqual([75, 149, 29, 255]);
  });
});

describe('GRAYSCALE and BINARY', () => {
  it('gray is copied, and RGB repeats it in all three channels', () => {
    const data = Uint8Array.of(0, 77, 255);
    const gray = rawToGray(frame(Pixformat.GRAYSCALE, 3, 1, data));
    expect([...gray]).toEqual([0, 77, 255]);
    gray[0] = 9;
    expect(data[0]).toBe(0);
    expect(triples(rawToRgb(frame(Pixformat.GRAYSCALE, 3, 1, data)))).toEqual([
      [0, 0, 0],
      [77, 77, 77],
      [255, 255, 255],
    ]);
  });

  it('binary: bit x%32 of little-endian word x/32, each row padded to whole words, as 0 or 255', () => {
    // 33 px wide → 2 words (8 bytes) per row. Row 0: pixels 0, 9 and 32 set. Row 1: pixel 31 (top bit of word 0).
    const data = new Uint8Array(16);
    data[0] = 0b1;
    data[1] = 0b10;
    data[4] = 0b1;
    data[8 + 3] = 0x80;
    const gray = rawToGray(frame(Pixformat.BINARY, 33, 2, data));
    expect([...gray].flatMap((v, i) => (v ? [i] : []))).toEqual([0, 9, 32, 33 + 31]);
    expect(gray[9]).toBe(255);
    expect(triples(rawToRgb(frame(Pixformat.BINARY, 33, 2, data))).slice(8, 10)).toEqual([
      [0, 0, 0],
      [255, 255, 255],
    ]);
  });
});

describe('validation', () => {
  it('refuses pixel data of the wrong length for the format and size', () => {
    expect(() => rawToRgb(frame(Pixformat.GRAYSCALE, 2, 2, [1, 2, 3]))).toThrow(/GRAYSCALE 2×2 frame needs 4 bytes of pixels, but this one has 3/);
    expect(() => rawToGray(frame(Pixformat.RGB565, 2, 1, [1, 2, 3]))).toThrow(FormatError);
    // BINARY 33×1 is two words: 8 bytes, not ceil(33/8) = 5.
    expect(() => rawToGray(frame(Pixformat.BINARY, 33, 1, [1, 2, 3, 4, 5]))).toThrow(/needs 8 bytes/);
  });

  it('refuses impossible sizes, unknown pixformats and formats without pixels', () => {
    expect(() => rawToGray(frame(Pixformat.GRAYSCALE, 0, 4, []))).toThrow(/impossible dimensions/);
    expect(() => rawToGray(frame(Pixformat.GRAYSCALE, 1.5, 2, [1, 2, 3]))).toThrow(FormatError);
    expect(() => rawToGray(frame(0x12345678, 1, 1, [1]))).toThrow(/invalid pixformat 0x12345678/);
    expect(() => rawToRgb(frame(Pixformat.ARGB8, 2, 2, []))).toThrow(/ARGB8 frames carry no pixels/);
  });
});

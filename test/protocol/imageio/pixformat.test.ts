import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { decodePixformat, frameDataSize, isValidPixformat, legacyBppFor, Pixformat, pixformatFromLegacyBpp } from '../../../protocol/imageio/index.js';

/** openmv.md §1.6: name, hex, decimal; family, bytes/pixel, sub-format; flags from the top byte (R 24, J 25, C 26, Y 28). */
const table = [
  ['BINARY', 0x08010000, 134283264, 'binary', 0, undefined, { compressed: false, color: false, yuv: false, raw: false }],
  ['GRAYSCALE', 0x08020001, 134348801, 'grayscale', 1, undefined, { compressed: false, color: false, yuv: false, raw: false }],
  ['RGB565', 0x0c030002, 201523202, 'rgb565', 2, undefined, { compressed: false, color: true, yuv: false, raw: false }],
  ['ARGB8', 0x0c080004, 201850884, 'argb8', 4, undefined, { compressed: false, color: true, yuv: false, raw: false }],
  ['BAYER_BGGR', 0x05040001, 84148225, 'bayer', 1, 'BGGR', { compressed: false, color: true, yuv: false, raw: true }],
  ['BAYER_GBRG', 0x05040101, 84148481, 'bayer', 1, 'GBRG', { compressed: false, color: true, yuv: false, raw: true }],
  ['BAYER_GRBG', 0x05040201, 84148737, 'bayer', 1, 'GRBG', { compressed: false, color: true, yuv: false, raw: true }],
  ['BAYER_RGGB', 0x05040301, 84148993, 'bayer', 1, 'RGGB', { compressed: false, color: true, yuv: false, raw: true }],
  ['YUV422', 0x14050002, 335872002, 'yuv', 2, 'YVYU', { compressed: false, color: true, yuv: true, raw: false }],
  ['YVU422', 0x14050102, 335872258, 'yuv', 2, 'YUYV', { compressed: false, color: true, yuv: true, raw: false }],
  ['JPEG', 0x06060000, 101056512, 'jpeg', 0, undefined, { compressed: true, color: true, yuv: false, raw: false }],
  ['PNG', 0x06070000, 101122048, 'png', 0, undefined, { compressed: true, color: true, yuv: false, raw: false }],
] as const;

describe('pixformat words (values from openmv.md §1.6)', () => {
  it.each(table)('%s = 0x%s decodes to its family, bytes per pixel, sub-format and flags', (name, hex, decimal, family, bpp, subformat, flags) => {
    expect(hex).toBe(decimal);
    expect(Pixformat[name]).toBe(hex);
    expect(isValidPixformat(hex)).toBe(true);
    expect(decodePixformat(hex)).toEqual({ name, word: hex, family, bpp, subformat, ...flags });
  });

  it('has exactly the twelve valid words', () => {
    expect(Object.keys(Pixformat).sort()).toEqual(table.map(([name]) => name).sort());
  });

  it.each([0, 3, 0x08020002, 0x08020102, 0x05040401, 0x14050202, 0x06080000, 0x0c030003, 0xffffffff])('rejects 0x%s', (word) => {
    expect(isValidPixformat(word)).toBe(false);
    expect(() => decodePixformat(word)).toThrow(FormatError);
    expect(() => decodePixformat(word)).toThrow(new RegExp(`invalid pixformat 0x${word.toString(16).padStart(8, '0')}`));
  });
});

describe('frameDataSize (image_size() in lib/imlib/imlib.c)', () => {
  it('rounds each BINARY row up to whole u32 words', () => {
    expect(frameDataSize(1, 1, Pixformat.BINARY)).toBe(4);
    expect(frameDataSize(32, 2, Pixformat.BINARY)).toBe(8);
    expect(frameDataSize(33, 2, Pixformat.BINARY)).toBe(16);
    expect(frameDataSize(65, 3, Pixformat.BINARY)).toBe(36);
    expect(frameDataSize(320, 240, Pixformat.BINARY)).toBe(9600);
  });

  it('gives w·h for gray and Bayer, 2·w·h for RGB565 and YUV, 0 for ARGB8 (no case in image_size)', () => {
    expect(frameDataSize(320, 240, Pixformat.GRAYSCALE)).toBe(76800);
    expect(frameDataSize(320, 240, Pixformat.BAYER_GRBG)).toBe(76800);
    expect(frameDataSize(320, 240, Pixformat.RGB565)).toBe(153600);
    expect(frameDataSize(320, 240, Pixformat.YVU422)).toBe(153600);
    expect(frameDataSize(3, 3, Pixformat.YUV422)).toBe(18);
    expect(frameDataSize(320, 240, Pixformat.ARGB8)).toBe(0);
  });

  it('has no answer for compressed formats, which carry their own length', () => {
    expect(() => frameDataSize(320, 240, Pixformat.JPEG)).toThrow(RangeError);
    expect(() => frameDataSize(320, 240, Pixformat.PNG)).toThrow(RangeError);
  });
});

describe('legacy V1 bpp codes', () => {
  it('map 0 binary, 1 gray, 2 RGB565, 3 Bayer (BGGR), 4 and up JPEG', () => {
    expect([0, 1, 2, 3, 4, 9000, 0xffffffff].map(pixformatFromLegacyBpp)).toEqual([
      Pixformat.BINARY,
      Pixformat.GRAYSCALE,
      Pixformat.RGB565,
      Pixformat.BAYER_BGGR,
      Pixformat.JPEG,
      Pixformat.JPEG,
      Pixformat.JPEG,
    ]);
  });

  it('go back the other way, a JPEG\'s code being its length', () => {
    expect([Pixformat.BINARY, Pixformat.GRAYSCALE, Pixformat.RGB565, Pixformat.BAYER_BGGR].map((p) => legacyBppFor(p, 100))).toEqual([0, 1, 2, 3]);
    expect(legacyBppFor(Pixformat.JPEG, 9000)).toBe(9000);
    expect(() => legacyBppFor(Pixformat.JPEG, 3)).toThrow(/length is its format code/);
    expect(() => legacyBppFor(Pixformat.BAYER_GBRG, 8)).toThrow(/cannot be stored in a V1/);
  });
});

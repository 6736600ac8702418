import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readFrameMark, renderFrame, renderRgb } from '../../host/sim/scene.js';

describe('synthetic scene', () => {
  it('draws the frame number so it survives every pixformat, JPEG included', async () => {
    for (const index of [0, 1, 37, 1234, 65535]) {
      const gray = await renderFrame(320, 240, 'GRAYSCALE', index);
      expect(gray.length).toBe(320 * 240);
      expect(readFrameMark(gray, 320)).toBe(index);
      const jpeg = await renderFrame(320, 240, 'JPEG', index);
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
      const decoded = await sharp(jpeg).toColourspace('b-w').raw().toBuffer();
      expect(readFrameMark(new Uint8Array(decoded), 320)).toBe(index);
    }
  });

  it('moves: consecutive frames differ, and RGB565 is little-endian 5-6-5 of the same scene', async () => {
    const a = renderRgb(160, 120, 10);
    const b = renderRgb(160, 120, 11);
    expect(Buffer.compare(a, b)).not.toBe(0);
    const rgb565 = await renderFrame(160, 120, 'RGB565', 10);
    const at = 60 * 160 + 3; // a gradient pixel away from the mark and the square
    const v = rgb565[at * 2]! | (rgb565[at * 2 + 1]! << 8);
    expect([v >> 11, (v >> 5) & 63, v & 31]).toEqual([a[at * 3]! >> 3, a[at * 3 + 1]! >> 2, a[at * 3 + 2]! >> 3]);
  });
});

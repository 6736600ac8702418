import { describe, expect, it } from 'vitest';
import { rawToGray, rawToRgb } from '../../host/pixels/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';

const frame = (pixformat: number, width: number, height: number, data: number[]) => ({ pixformat, width, height, data: Uint8Array.from(data) });
const triples = (a: Uint8Array) => Array.from({ length: a.length / 3 }, (_, i) => [a[3 * i], a[3 * i + 1], a[3 * i + 2]]);

// Firmware arithmetic (lib/imlib/yuv.c), with cb = U − 128 and cr = V − 128:
//   R = Y + (179 cr >> 7), G = Y − ((44 cb + 91 cr) >> 7), B = Y + (227 cb >> 7), clamped.
describe('YUV 4:2:2', () => {
  // Y0 = 76, Y1 = 150, U = 85 (cb −43), V = 255 (cr 127):
  //   R offset 179·127 >> 7 = 22733 >> 7 = 177; G offset (−1892 + 11557) >> 7 = 9665 >> 7 = 75; B offset −9761 >> 7 = −77.
  //   pixel 0: [76 + 177, 76 − 75, 76 − 77 → 0] = [253, 1, 0]; pixel 1: [327 → 255, 75, 73].
  const expected = [
    [253, 1, 0],
    [255, 75, 73],
  ];

  it('YVU422 frames are Y U Y V in memory (what YUYV sensors are declared as)', () => {
    expect(triples(rawToRgb(frame(Pixformat.YVU422, 2, 1, [76, 85, 150, 255])))).toEqual(expected);
  });

  it('YUV422 frames are Y V Y U in memory', () => {
    expect(triples(rawToRgb(frame(Pixformat.YUV422, 2, 1, [76, 255, 150, 85])))).toEqual(expected);
  });

  it('pairs chroma within each row; an odd last column borrows the previous pixel’s chroma', () => {
    // 3×2 YVU422. Row 0: Y 100 everywhere; U0 = 128 (cb 0), V1 = 192 (cr 64), U2 = 228 (cb 100).
    //   pixels 0, 1 (cb 0, cr 64): R 100 + 11456 >> 7 = 189, G 100 − (5824 >> 7 = 45) = 55, B 100.
    //   pixel 2 (own U2 → cb 100, V1 → cr 64): R 189, G 100 − (10224 >> 7 = 79) = 21, B 100 + (22700 >> 7 = 177) → 255.
    // Row 1 has neutral chroma, so it is gray whatever row 0 holds.
    const f = frame(Pixformat.YVU422, 3, 2, [100, 128, 100, 192, 100, 228, 50, 128, 60, 128, 70, 128]);
    expect(triples(rawToRgb(f))).toEqual([
      [189, 55, 100],
      [189, 55, 100],
      [189, 21, 255],
      [50, 50, 50],
      [60, 60, 60],
      [70, 70, 70],
    ]);
    expect([...rawToGray(f)]).toEqual([100, 100, 100, 50, 60, 70]);
  });
});

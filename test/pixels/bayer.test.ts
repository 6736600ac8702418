import { describe, expect, it } from 'vitest';
import { rawToGray, rawToRgb } from '../../host/pixels/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';

const frame = (pixformat: number, width: number, height: number, data: number[]) => ({ pixformat, width, height, data: Uint8Array.from(data) });
const at = (rgb: Uint8Array, w: number, x: number, y: number) => [...rgb.subarray(3 * (y * w + x), 3 * (y * w + x) + 3)];

// RGGB: R at (even x, even y), G at (odd, even) and (even, odd), B at (odd, odd).
//   y0:  R10  G200  R30  G220
//   y1: G100    B5 G120    B7
//   y2:  R50  G240  R70  G250
//   y3: G140    B9 G160   B11
const SITES = [10, 200, 30, 220, 100, 5, 120, 7, 50, 240, 70, 250, 140, 9, 160, 11];

describe('Bayer demosaic (bilinear)', () => {
  const rgb = rawToRgb(frame(Pixformat.BAYER_RGGB, 4, 4, SITES));

  it('interior sites: own colour kept, others the mean of the nearest sites of that colour', () => {
    // (1,1) B: G = (100+120+200+240)/4 = 165, R = diagonals (10+30+50+70)/4 = 40
    expect(at(rgb, 4, 1, 1)).toEqual([40, 165, 5]);
    // (2,1) G on a G/B row: B = row neighbours (5+7)/2 = 6, R = column neighbours (30+70)/2 = 50
    expect(at(rgb, 4, 2, 1)).toEqual([50, 120, 6]);
    // (1,2) G on an R/G row: R = (50+70)/2 = 60, B = (5+9)/2 = 7
    expect(at(rgb, 4, 1, 2)).toEqual([60, 240, 7]);
    // (2,2) R: G = (240+250+120+160)/4 = 192.5 → 193, B = (5+7+9+11)/4 = 8
    expect(at(rgb, 4, 2, 2)).toEqual([70, 193, 8]);
  });

  it('border sites use only the neighbours inside the image', () => {
    expect(at(rgb, 4, 0, 0)).toEqual([10, 150, 5]); // G (200+100)/2, B the one diagonal
    expect(at(rgb, 4, 1, 0)).toEqual([20, 200, 5]); // R (10+30)/2, B below
    expect(at(rgb, 4, 3, 0)).toEqual([30, 220, 7]);
    expect(at(rgb, 4, 3, 1)).toEqual([50, 197, 7]); // R (30+70)/2, G (220+120+250)/3 = 196.7
    expect(at(rgb, 4, 0, 3)).toEqual([50, 140, 9]);
    expect(at(rgb, 4, 3, 3)).toEqual([70, 205, 11]); // G (250+160)/2
  });

  it('reads the sub-format: the same bytes as BGGR, GRBG and GBRG put other colours at (1,1)', () => {
    // BGGR: (1,1) is R, (0,0) B → R and B swap relative to RGGB.
    expect(at(rawToRgb(frame(Pixformat.BAYER_BGGR, 4, 4, SITES)), 4, 1, 1)).toEqual([5, 165, 40]);
    // GRBG: (1,1) is G on a B/G row: B = (100+120)/2 = 110, R = (200+240)/2 = 220.
    expect(at(rawToRgb(frame(Pixformat.BAYER_GRBG, 4, 4, SITES)), 4, 1, 1)).toEqual([220, 5, 110]);
    // GBRG: (1,1) is G on an R/G row: R = 110, B = 220.
    expect(at(rawToRgb(frame(Pixformat.BAYER_GBRG, 4, 4, SITES)), 4, 1, 1)).toEqual([110, 5, 220]);
  });

  it.each([
    ['BGGR', Pixformat.BAYER_BGGR, [2, 1, 1, 0]],
    ['GBRG', Pixformat.BAYER_GBRG, [1, 2, 0, 1]],
    ['GRBG', Pixformat.BAYER_GRBG, [1, 0, 2, 1]],
    ['RGGB', Pixformat.BAYER_RGGB, [0, 1, 1, 2]],
  ])('%s: a uniform colour demosaics to that colour everywhere, borders included', (_name, word, sites) => {
    const colour = [200, 100, 50];
    const data = Array.from({ length: 5 * 3 }, (_, i) => colour[sites[((i % 5) & 1) | ((Math.floor(i / 5) & 1) << 1)]!]!);
    const out = rawToRgb(frame(word, 5, 3, data));
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) expect(at(out, 5, x, y)).toEqual(colour);
  });

  it('gray is the luma of the demosaiced colour', () => {
    // (1,1) = [40, 165, 5]: (38·40 + 75·165 + 15·5) >> 7 = 13970 >> 7 = 109
    expect(rawToGray(frame(Pixformat.BAYER_RGGB, 4, 4, SITES))[5]).toBe(109);
  });
});

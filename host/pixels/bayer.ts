export type BayerPattern = 'BGGR' | 'GBRG' | 'GRBG' | 'RGGB';

/**
 * Colour (0 R, 1 G, 2 B) of the sites (even x, even y), (odd x, even y), (even x, odd y), (odd x, odd y): the
 * pattern's name reads its top-left 2×2 block row by row, as imlib_bayer_shift() in lib/imlib/bayer.c implies.
 */
const CFA: Record<BayerPattern, readonly [number, number, number, number]> = {
  BGGR: [2, 1, 1, 0],
  GBRG: [1, 2, 0, 1],
  GRBG: [1, 0, 2, 1],
  RGGB: [0, 1, 1, 2],
};

/**
 * Bilinear demosaic to interleaved 8-bit RGB. A site keeps its own colour; each missing colour is the rounded mean of
 * the sites of that colour among its 8 neighbours (at a green site: the two row or the two column neighbours; at red
 * or blue: the four edge neighbours for green, the four diagonals for the other). Along the borders only the
 * neighbours inside the image count; a colour with none there (1-pixel-high or -wide images) is 0.
 */
export function demosaic(w: number, h: number, data: Uint8Array, pattern: BayerPattern): Uint8Array {
  const cfa = CFA[pattern];
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const rowColours = (y & 1) << 1;
    const inner = y > 0 && y < h - 1;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const o = 3 * i;
      const own = cfa[rowColours | (x & 1)] as number;
      if (!inner || x === 0 || x === w - 1) {
        border(w, h, data, cfa, x, y, out);
        continue;
      }
      const left = data[i - 1] as number;
      const right = data[i + 1] as number;
      const up = data[i - w] as number;
      const down = data[i + w] as number;
      out[o + own] = data[i] as number;
      if (own === 1) {
        const sideways = cfa[rowColours | ((x + 1) & 1)] as number;
        out[o + sideways] = (left + right + 1) >> 1;
        out[o + 2 - sideways] = (up + down + 1) >> 1;
      } else {
        const diagonal = (data[i - w - 1] as number) + (data[i - w + 1] as number) + (data[i + w - 1] as number) + (data[i + w + 1] as number);
        out[o + 1] = (left + right + up + down + 2) >> 2;
        out[o + 2 - own] = (diagonal + 2) >> 2;
      }
    }
  }
  return out;
}

function border(w: number, h: number, data: Uint8Array, cfa: readonly number[], x: number, y: number, out: Uint8Array): void {
  const sum = [0, 0, 0];
  const count = [0, 0, 0];
  for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
      const c = cfa[((yy & 1) << 1) | (xx & 1)] as number;
      sum[c] = (sum[c] as number) + (data[yy * w + xx] as number);
      count[c] = (count[c] as number) + 1;
    }
  }
  const own = cfa[((y & 1) << 1) | (x & 1)] as number;
  const o = 3 * (y * w + x);
  for (let c = 0; c < 3; c++) {
    const n = count[c] as number;
    out[o + c] = c === own ? (data[y * w + x] as number) : n ? Math.round((sum[c] as number) / n) : 0;
  }
}

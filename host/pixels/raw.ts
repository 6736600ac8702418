import { FormatError } from '../../protocol/errors.js';
import { decodePixformat, frameDataSize, type PixformatInfo } from '../../protocol/imageio/pixformat.js';

/** A frame as stored by the camera. `byteSwapped`: RGB565 words are big-endian (ImageIO V1.0). */
export interface RawFrame {
  width: number;
  height: number;
  pixformat: number;
  data: Uint8Array;
  byteSwapped?: boolean;
}

/** ITU-R BT.601 luma in 8.8 fixed point: (77 R + 150 G + 29 B) / 256. */
export const luma = (r: number, g: number, b: number): number => (77 * r + 150 * g + 29 * b + 128) >> 8;
const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

export function checkRawLength(frame: RawFrame, info: PixformatInfo): void {
  const want = frameDataSize(frame.width, frame.height, frame.pixformat);
  if (frame.data.length !== want) throw new FormatError(`${info.name} ${frame.width}×${frame.height} frame needs ${want} bytes, got ${frame.data.length}`);
}

/** Uncompressed frame → interleaved 8-bit RGB (w·h·3). */
export function rawToRgb(frame: RawFrame): Uint8Array {
  const info = decodePixformat(frame.pixformat);
  checkRawLength(frame, info);
  const { width: w, height: h, data } = frame;
  const out = new Uint8Array(w * h * 3);
  switch (info.family) {
    case 'grayscale':
      for (let i = 0, o = 0; i < w * h; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = data[i] as number;
      return out;
    case 'binary':
      binaryToGray(frame).forEach((v, i) => (out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v));
      return out;
    case 'rgb565':
      for (let i = 0, o = 0; i < w * h; i++, o += 3) {
        const a = data[2 * i] as number;
        const b = data[2 * i + 1] as number;
        const v = frame.byteSwapped ? (a << 8) | b : (b << 8) | a;
        const r5 = v >>> 11;
        const g6 = (v >>> 5) & 0x3f;
        const b5 = v & 0x1f;
        out[o] = (r5 << 3) | (r5 >>> 2);
        out[o + 1] = (g6 << 2) | (g6 >>> 4);
        out[o + 2] = (b5 << 3) | (b5 >>> 2);
      }
      return out;
    case 'yuv':
      return yuvToRgb(frame, info.subformat === 'YVYU', out);
    case 'bayer':
      return demosaic(frame, info.subformat ?? 'BGGR', out);
    default:
      throw new FormatError(`${info.name} frames carry no pixels omvd can convert`);
  }
}

/** Uncompressed frame → 8-bit gray (w·h). Gray and YUV use their luma plane directly. */
export function rawToGray(frame: RawFrame): Uint8Array {
  const info = decodePixformat(frame.pixformat);
  checkRawLength(frame, info);
  const n = frame.width * frame.height;
  if (info.family === 'grayscale') return frame.data.slice();
  if (info.family === 'binary') return binaryToGray(frame);
  if (info.family === 'yuv') return Uint8Array.from({ length: n }, (_, i) => frame.data[2 * i] as number);
  const rgb = rawToRgb(frame);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = luma(rgb[3 * i] as number, rgb[3 * i + 1] as number, rgb[3 * i + 2] as number);
  return out;
}

/** Rows of ceil(w/32) little-endian u32 words, pixel x = bit x%32 of word x/32: 0 or 255. */
function binaryToGray({ width: w, height: h, data }: RawFrame): Uint8Array {
  const stride = Math.ceil(w / 32) * 4;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = ((data[y * stride + (x >> 3)] as number) >> (x & 7)) & 1 ? 255 : 0;
  return out;
}

/** YUYV (or YVYU) pairs, BT.601 full range as JPEG uses. */
function yuvToRgb({ width: w, height: h, data }: RawFrame, swapUV: boolean, out: Uint8Array): Uint8Array {
  for (let i = 0; i < w * h; i++) {
    const pair = i & ~1;
    const y = data[2 * i] as number;
    let u = (data[2 * pair + 1] as number) - 128;
    let v = (data[2 * pair + 3] as number) - 128;
    if (swapUV) [u, v] = [v, u];
    out[3 * i] = clamp(y + 1.402 * v);
    out[3 * i + 1] = clamp(y - 0.344136 * u - 0.714136 * v);
    out[3 * i + 2] = clamp(y + 1.772 * u);
  }
  return out;
}

const CFA: Record<string, [number, number, number, number]> = {
  // Colour (0 R, 1 G, 2 B) at (even x, even y), (odd x, even y), (even x, odd y), (odd x, odd y).
  BGGR: [2, 1, 1, 0],
  GBRG: [1, 2, 0, 1],
  GRBG: [1, 0, 2, 1],
  RGGB: [0, 1, 1, 2],
};

/** Bilinear demosaic: a site keeps its own colour; the others are the mean of that colour in its 3×3 neighbourhood. */
function demosaic({ width: w, height: h, data }: RawFrame, pattern: string, out: Uint8Array): Uint8Array {
  const cfa = CFA[pattern] as [number, number, number, number];
  const colour = (x: number, y: number): number => cfa[(x & 1) | ((y & 1) << 1)] as number;
  const sum = [0, 0, 0];
  const count = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      sum.fill(0);
      count.fill(0);
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const c = colour(xx, yy);
          sum[c] = (sum[c] as number) + (data[yy * w + xx] as number);
          count[c] = (count[c] as number) + 1;
        }
      }
      const own = colour(x, y);
      const o = 3 * (y * w + x);
      for (let c = 0; c < 3; c++) out[o + c] = c === own ? (data[y * w + x] as number) : count[c] ? Math.round((sum[c] as number) / (count[c] as number)) : 0;
    }
  }
  return out;
}

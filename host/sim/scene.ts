import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { luma } from '../pixels/index.js';
import { loadSharp } from '../pixels/sharp.js';

/** Pixformats the virtual sensor makes. */
export const SCENE_PIXFORMATS = { GRAYSCALE: Pixformat.GRAYSCALE, RGB565: Pixformat.RGB565, JPEG: Pixformat.JPEG } as const;
export type ScenePixformat = keyof typeof SCENE_PIXFORMATS;

const MARK_BITS = 16;
const MARK_CELL = 8;

/**
 * A synthetic moving scene: a drifting colour gradient, a white square circling the frame, and the frame number as
 * 16 black/white 8×8 cells along the top edge (readable even after JPEG: see readFrameMark), so tests and users
 * can tell which frames arrived and in what order.
 */
export function renderRgb(width: number, height: number, index: number, rgb = new Uint8Array(width * height * 3)): Uint8Array {
  const shift = index * 3;
  const cx = width / 2 + (width / 3) * Math.cos(index / 15);
  const cy = height / 2 + (height / 3) * Math.sin(index / 15);
  const half = Math.max(4, Math.round(Math.min(width, height) / 10));
  for (let y = 0, o = 0; y < height; y++) {
    const inY = Math.abs(y - cy) < half;
    for (let x = 0; x < width; x++, o += 3) {
      if (inY && Math.abs(x - cx) < half) {
        rgb[o] = rgb[o + 1] = rgb[o + 2] = 255;
        continue;
      }
      rgb[o] = (x + shift) & 0xff;
      rgb[o + 1] = (y * 2 + shift) & 0xff;
      rgb[o + 2] = ((x + y) >> 1) & 0xff;
    }
  }
  const cells = Math.min(MARK_BITS, Math.floor(width / MARK_CELL));
  for (let bit = 0; bit < cells; bit++) {
    const v = (index >>> bit) & 1 ? 255 : 0;
    for (let y = 0; y < Math.min(MARK_CELL, height); y++) rgb.fill(v, (y * width + bit * MARK_CELL) * 3, (y * width + (bit + 1) * MARK_CELL) * 3);
  }
  return rgb;
}

/** The frame number drawn by renderRgb (mod 2^16), from a frame's gray pixels. */
export function readFrameMark(gray: Uint8Array, width: number): number {
  let index = 0;
  for (let bit = 0; bit < Math.min(MARK_BITS, Math.floor(width / MARK_CELL)); bit++) {
    const at = (MARK_CELL / 2) * width + bit * MARK_CELL + MARK_CELL / 2;
    if ((gray[at] ?? 0) > 127) index |= 1 << bit;
  }
  return index;
}

/** One frame of the scene in the sensor's pixformat: gray bytes, little-endian RGB565, or a JPEG (quality 90). */
export async function renderFrame(width: number, height: number, pixformat: ScenePixformat, index: number): Promise<Uint8Array> {
  const rgb = renderRgb(width, height, index);
  const n = width * height;
  if (pixformat === 'GRAYSCALE') {
    const gray = new Uint8Array(n);
    for (let i = 0, o = 0; i < n; i++, o += 3) gray[i] = luma(rgb[o]!, rgb[o + 1]!, rgb[o + 2]!);
    return gray;
  }
  if (pixformat === 'RGB565') {
    const out = new Uint8Array(n * 2);
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const v = ((rgb[o]! >> 3) << 11) | ((rgb[o + 1]! >> 2) << 5) | (rgb[o + 2]! >> 3);
      out[i * 2] = v & 0xff;
      out[i * 2 + 1] = v >> 8;
    }
    return out;
  }
  const sharp = await loadSharp();
  const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(jpeg); // a copy that owns its buffer, so it can be transferred to the firmware thread
}

import { FormatError } from '../../protocol/errors.js';
import { decodePixformat, frameDataSize, Pixformat, type PixformatInfo } from '../../protocol/imageio/pixformat.js';
import { demosaic, type BayerPattern } from './bayer.js';
import { yuvToRgb } from './yuv.js';

/** A frame as stored by the camera. `byteSwapped`: RGB565 words are big-endian (ImageIO V1.0). */
export interface RawFrame {
  width: number;
  height: number;
  pixformat: number;
  data: Uint8Array;
  byteSwapped?: boolean;
}

/**
 * Luma of an 8-bit RGB pixel with OpenMV's own weights (imlib.h COLOR_RGB888_TO_Y, also its debayer-to-gray):
 * BT.601's 0.299 R + 0.587 G + 0.114 B in 7-bit fixed point, (38 R + 75 G + 15 B) >> 7. Colour frames thus turn into
 * the same gray the camera's `to_grayscale()` would give.
 */
export const luma = (r: number, g: number, b: number): number => (38 * r + 75 * g + 15 * b) >> 7;

/** Decodes the pixformat and checks the frame's size: positive integer dimensions and, for raw formats, the exact byte count. */
export function checkFrame(frame: RawFrame): PixformatInfo {
  const info = decodePixformat(frame.pixformat);
  const { width: w, height: h } = frame;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > 0xffff || h > 0xffff) {
    throw new FormatError(`a ${info.name} frame of ${w}×${h} has impossible dimensions: width and height must be integers from 1 to 65535`);
  }
  if (info.compressed) return info;
  const want = frameDataSize(w, h, frame.pixformat);
  if (frame.data.length !== want) {
    throw new FormatError(`a ${info.name} ${w}×${h} frame needs ${want} bytes of pixels, but this one has ${frame.data.length}: the record's size or format is wrong`);
  }
  return info;
}

/** Uncompressed frame → interleaved 8-bit RGB (w·h·3), synchronously. */
export function rawToRgb(frame: RawFrame): Uint8Array {
  const info = checkFrame(frame);
  const { width: w, height: h, data } = frame;
  const n = w * h;
  switch (info.family) {
    case 'grayscale':
      return grayToRgb(data);
    case 'binary':
      return grayToRgb(binaryToGray(frame));
    case 'rgb565':
      return rgb565ToRgb(data, n, frame.byteSwapped === true);
    case 'yuv':
      return yuvToRgb(w, h, data, frame.pixformat === Pixformat.YVU422 ? 'U' : 'V');
    case 'bayer':
      return demosaic(w, h, data, info.subformat as BayerPattern);
    default:
      throw new FormatError(`${info.name} frames carry no pixels omvd can convert (the firmware stores none for ARGB8); ${info.compressed ? 'decode them with toRgb()' : 'skip them'}`);
  }
}

/** Uncompressed frame → 8-bit gray (w·h), synchronously. Gray frames are copied, YUV gives its Y bytes, colour its luma. */
export function rawToGray(frame: RawFrame): Uint8Array {
  const info = checkFrame(frame);
  const n = frame.width * frame.height;
  const { data } = frame;
  if (info.family === 'grayscale') return data.slice();
  if (info.family === 'binary') return binaryToGray(frame);
  if (info.family === 'yuv') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = data[2 * i] as number;
    return out;
  }
  return rgbToGray(rawToRgb(frame));
}

export function rgbToGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, o = 0; i < out.length; i++, o += 3) out[i] = luma(rgb[o] as number, rgb[o + 1] as number, rgb[o + 2] as number);
  return out;
}

function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0, o = 0; i < gray.length; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = gray[i] as number;
  return out;
}

/**
 * R = bits 15..11, G = 10..5, B = 4..0 of each 16-bit word, little-endian unless byte-swapped. 5 and 6-bit values are
 * widened by repeating their top bits, (v << 3) | (v >> 2) and (v << 2) | (v >> 4), as imlib.h's COLOR_RGB565_TO_R8 does:
 * 0 → 0 and full scale → 255.
 */
function rgb565ToRgb(data: Uint8Array, n: number, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(n * 3);
  const hi = bigEndian ? 0 : 1;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const v = ((data[2 * i + hi] as number) << 8) | (data[2 * i + 1 - hi] as number);
    const r5 = v >>> 11;
    const g6 = (v >>> 5) & 0x3f;
    const b5 = v & 0x1f;
    out[o] = (r5 << 3) | (r5 >>> 2);
    out[o + 1] = (g6 << 2) | (g6 >>> 4);
    out[o + 2] = (b5 << 3) | (b5 >>> 2);
  }
  return out;
}

/** Rows of ceil(w/32) little-endian u32 words; pixel x is bit x%32 of word x/32, i.e. bit x%8 of byte x/8: 0 or 255. */
function binaryToGray({ width: w, height: h, data }: RawFrame): Uint8Array {
  const stride = Math.ceil(w / 32) * 4;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * stride;
    for (let x = 0; x < w; x++) out[y * w + x] = ((data[row + (x >>> 3)] as number) >>> (x & 7)) & 1 ? 255 : 0;
  }
  return out;
}

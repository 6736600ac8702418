import { FormatError } from '../errors.js';

/**
 * OpenMV's 32-bit pixformat word (lib/imlib/imlib.h, unchanged v4.2.1 → v5.0.0): bits 7..0 bytes per pixel,
 * 15..8 sub-format, 23..16 format id, 24 raw, 25 compressed, 26 colour, 27 mutable, 28 YUV.
 */
export const Pixformat = {
  BINARY: 0x08010000,
  GRAYSCALE: 0x08020001,
  RGB565: 0x0c030002,
  ARGB8: 0x0c080004,
  BAYER_BGGR: 0x05040001,
  BAYER_GBRG: 0x05040101,
  BAYER_GRBG: 0x05040201,
  BAYER_RGGB: 0x05040301,
  YUV422: 0x14050002,
  YVU422: 0x14050102,
  JPEG: 0x06060000,
  PNG: 0x06070000,
} as const;
export type PixformatName = keyof typeof Pixformat;

export type PixelFamily = 'binary' | 'grayscale' | 'rgb565' | 'argb8' | 'bayer' | 'yuv' | 'jpeg' | 'png';

export interface PixformatInfo {
  name: PixformatName;
  word: number;
  family: PixelFamily;
  /** Bytes per pixel (0 for binary and compressed formats). */
  bpp: number;
  /**
   * Bayer CFA order, or the byte order of a YUV pair in memory; undefined for the other families. The firmware's
   * names and byte orders cross over: lib/imlib/yuv.c reads YUV422 as Y V Y U and YVU422 as Y U Y V.
   */
  subformat: 'BGGR' | 'GBRG' | 'GRBG' | 'RGGB' | 'YUYV' | 'YVYU' | undefined;
  compressed: boolean;
  color: boolean;
  yuv: boolean;
  raw: boolean;
}

const FAMILY: Record<number, PixelFamily> = { 1: 'binary', 2: 'grayscale', 3: 'rgb565', 4: 'bayer', 5: 'yuv', 6: 'jpeg', 7: 'png', 8: 'argb8' };
const BAYER = ['BGGR', 'GBRG', 'GRBG', 'RGGB'] as const;
const YUV = ['YVYU', 'YUYV'] as const;
const BY_WORD = new Map<number, PixformatName>(Object.entries(Pixformat).map(([k, v]) => [v, k as PixformatName]));

export function isValidPixformat(word: number): boolean {
  return BY_WORD.has(word);
}

export function decodePixformat(word: number): PixformatInfo {
  const name = BY_WORD.get(word);
  if (name === undefined) {
    throw new FormatError(`invalid pixformat 0x${(word >>> 0).toString(16).padStart(8, '0')}: not one of the 12 words IMLIB_PIXFORMAT_IS_VALID accepts`);
  }
  const family = FAMILY[(word >>> 16) & 0xff] as PixelFamily;
  const sub = (word >>> 8) & 0xff;
  return {
    name,
    word,
    family,
    bpp: word & 0xff,
    subformat: family === 'bayer' ? BAYER[sub] : family === 'yuv' ? YUV[sub] : undefined,
    compressed: (word & (1 << 25)) !== 0,
    color: (word & (1 << 26)) !== 0,
    yuv: (word & (1 << 28)) !== 0,
    raw: (word & (1 << 24)) !== 0,
  };
}

/**
 * Bytes of pixel data image_size() gives for an uncompressed frame (lib/imlib/imlib.c): BINARY rows are whole
 * u32 words. Compressed frames carry their own length. ARGB8 has no case there (the default returns 0), so the
 * firmware writes and reads ARGB8 frames with 0 data bytes.
 */
export function frameDataSize(width: number, height: number, word: number): number {
  const { family } = decodePixformat(word);
  switch (family) {
    case 'binary':
      return Math.ceil(width / 32) * 4 * height;
    case 'grayscale':
    case 'bayer':
      return width * height;
    case 'rgb565':
    case 'yuv':
      return width * height * 2;
    case 'argb8':
      return 0;
    case 'jpeg':
    case 'png':
      throw new RangeError('compressed frames carry their own length; frameDataSize applies to raw formats only');
  }
}

/** V1.0/V1.1 files store a "bpp" code instead of a pixformat: 0 binary, 1 gray, 2 RGB565, 3 Bayer, ≥ 4 JPEG length. */
export const LegacyBpp = { BINARY: 0, GRAYSCALE: 1, RGB565: 2, BAYER: 3, JPEG_MIN: 4 } as const;

/** The four raw formats V1 files can hold, by their code (a V1 Bayer frame reads back as BGGR). */
const LEGACY_RAW: readonly (readonly [number, number])[] = [
  [LegacyBpp.BINARY, Pixformat.BINARY],
  [LegacyBpp.GRAYSCALE, Pixformat.GRAYSCALE],
  [LegacyBpp.RGB565, Pixformat.RGB565],
  [LegacyBpp.BAYER, Pixformat.BAYER_BGGR],
];

export function pixformatFromLegacyBpp(bpp: number): number {
  return LEGACY_RAW.find(([code]) => code === bpp)?.[1] ?? Pixformat.JPEG;
}

/** The V1 code for a frame: JPEG frames store their byte length. Other formats have no V1 code. */
export function legacyBppFor(word: number, dataLength: number): number {
  const raw = LEGACY_RAW.find(([, w]) => w === word);
  if (raw) return raw[0];
  if (word !== Pixformat.JPEG) throw new RangeError(`${decodePixformat(word).name} frames cannot be stored in a V1 ImageIO file`);
  if (dataLength < LegacyBpp.JPEG_MIN) throw new RangeError(`a ${dataLength}-byte JPEG cannot be stored in a V1 file (its length is its format code)`);
  return dataLength;
}

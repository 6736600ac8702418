import { ImageIoFormatError } from './errors.js';

/**
 * ImageIO FILE-stream layout (openmv/openmv modules/py_imageio.c): a 16-byte ASCII magic, then records back to
 * back. Every integer is a little-endian u32. A record is a header (V2: 32 bytes, V1: 16), the pixel data, and zero
 * bytes up to the next multiple of ALIGN, so every record starts on a 16-byte file offset.
 */
export const MAGIC_PREFIX = 'OMV IMG STR V';
export const MAGIC_SIZE = 16;
export const ALIGN = 16;
export const V2_HEADER_SIZE = 32;
export const V1_HEADER_SIZE = 16;

/** Byte offsets of a record header's u32 fields. V1 stores its "bpp" code where V2 stores the pixformat. */
export const RecordField = { ELAPSED_MS: 0, WIDTH: 4, HEIGHT: 8, PIXFORMAT: 12, BPP: 12, SIZE: 16 } as const;
/** V2 only: zero bytes after the size field (AFTER_SIZE_PADDING). The firmware writes zeros and never reads them. */
export const V2_RESERVED = { offset: 20, length: 12 } as const;

/** Width and height a plausible record has (the range OpenMV IDE's converter accepts). */
export const MAX_DIMENSION = 32767;

/** Version numbers as the firmware computes them: major · 10 + minor. */
export const ImageIoVersions = { V1_0: 10, V1_1: 11, V2_0: 20 } as const;
export type ImageIoVersion = (typeof ImageIoVersions)[keyof typeof ImageIoVersions];
const VERSIONS: readonly number[] = Object.values(ImageIoVersions);

export function padding(length: number): number {
  return (ALIGN - (length % ALIGN)) % ALIGN;
}

export function headerSize(version: ImageIoVersion): number {
  return version === ImageIoVersions.V2_0 ? V2_HEADER_SIZE : V1_HEADER_SIZE;
}

export function magicFor(version: ImageIoVersion): string {
  return `${MAGIC_PREFIX}${Math.floor(version / 10)}.${version % 10}`;
}

const printable = (bytes: Uint8Array): string => String.fromCharCode(...bytes).replace(/[^\x20-\x7e]/g, '?');

/**
 * Checks the first `head.length` (≤ 16) bytes of a file. Returns the version once all 16 are there, undefined while
 * what is there is still a valid start; throws ImageIoFormatError (offset 0) as soon as it cannot be.
 */
export function parseMagic(head: Uint8Array): ImageIoVersion | undefined {
  const expected = `${MAGIC_PREFIX}d.d`;
  for (let i = 0; i < Math.min(head.length, MAGIC_SIZE); i++) {
    const c = head[i] as number;
    const ok = expected[i] === 'd' ? c >= 0x30 && c <= 0x39 : c === expected.charCodeAt(i);
    if (!ok) {
      throw new ImageIoFormatError(
        0,
        undefined,
        `byte ${i}: not an OpenMV ImageIO stream (it starts "${printable(head.subarray(0, MAGIC_SIZE))}", ` +
          `expected "OMV IMG STR V1.0", "V1.1" or "V2.0"); check that this is a recording written by image.ImageIO or ImageWriter`,
      );
    }
  }
  if (head.length < MAGIC_SIZE) return undefined;
  const version = ((head[13] as number) - 0x30) * 10 + ((head[15] as number) - 0x30);
  if (!VERSIONS.includes(version)) {
    throw new ImageIoFormatError(
      0,
      undefined,
      `byte 13: ImageIO version V${Math.floor(version / 10)}.${version % 10} is not supported ` +
        `(the firmware knows V1.0, V1.1 and V2.0); the file may come from newer firmware than omvd understands`,
    );
  }
  return version as ImageIoVersion;
}

/**
 * Largest compressed (JPEG/PNG) frame a w×h record can plausibly hold. The firmware does not bound the size field;
 * omvd does so a corrupt one is reported as corruption instead of a file awaiting gigabytes. PNG stays under
 * 4 bytes/pixel plus zlib/chunk overhead and OpenMV's JPEGs far under 8 even at quality 100; 64 KiB covers
 * headers and MCU rounding of tiny images.
 */
export function maxCompressedSize(width: number, height: number): number {
  return width * height * 8 + 65536;
}

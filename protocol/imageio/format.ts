/** ImageIO FILE-stream layout (openmv/openmv modules/py_imageio.c): all integers little-endian u32. */
export const MAGIC_PREFIX = 'OMV IMG STR V';
export const MAGIC_SIZE = 16;
export const ALIGN = 16;
export const V2_HEADER_SIZE = 32;
export const V1_HEADER_SIZE = 16;
/** Width and height bounds a sane record has (OpenMV IDE's converter uses the same). */
export const MAX_DIMENSION = 32767;

export type ImageIoVersion = 10 | 11 | 20;
export const VERSIONS: readonly ImageIoVersion[] = [10, 11, 20];

export function padding(length: number): number {
  return (ALIGN - (length % ALIGN)) % ALIGN;
}

export function headerSize(version: ImageIoVersion): number {
  return version === 20 ? V2_HEADER_SIZE : V1_HEADER_SIZE;
}

export function magicFor(version: ImageIoVersion): string {
  return `${MAGIC_PREFIX}${Math.floor(version / 10)}.${version % 10}`;
}

/** The version named by a 16-byte magic, or undefined when it is not an ImageIO magic we know. */
export function parseMagic(bytes: Uint8Array): ImageIoVersion | undefined {
  if (bytes.length < MAGIC_SIZE) return undefined;
  const text = String.fromCharCode(...bytes.subarray(0, MAGIC_SIZE));
  const m = /^OMV IMG STR V(\d)\.(\d)$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]) * 10 + Number(m[2]);
  return (VERSIONS as readonly number[]).includes(v) ? (v as ImageIoVersion) : undefined;
}

/** A bound on a compressed frame's length: beyond 4 bytes per pixel plus headroom it cannot be a real JPEG/PNG. */
export function maxCompressedSize(width: number, height: number): number {
  return width * height * 4 + 65536;
}

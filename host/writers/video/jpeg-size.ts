/**
 * Width and height from a JPEG's frame header (SOFn), or undefined when the bytes do not reach one: not a JPEG
 * (no FF D8), a broken marker chain, or a scan before any frame header. Reads markers only, never entropy data.
 */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) return undefined;
    const marker = jpeg[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = ((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number);
    if (length < 2) return undefined;
    // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > jpeg.length) return undefined;
      return { height: ((jpeg[at + 5] as number) << 8) | (jpeg[at + 6] as number), width: ((jpeg[at + 7] as number) << 8) | (jpeg[at + 8] as number) };
    }
    at += 2 + length;
  }
  return undefined;
}

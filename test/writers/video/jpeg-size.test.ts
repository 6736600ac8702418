import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegSize } from '../../../host/writers/video/jpeg-size.js';

const image = (progressive: boolean) =>
  sharp(new Uint8Array(37 * 21 * 3).fill(99), { raw: { width: 37, height: 21, channels: 3 } })
    .withMetadata({ exif: { IFD0: { Copyright: 'x'.repeat(300) } } })
    .jpeg({ progressive })
    .toBuffer()
    .then((b) => new Uint8Array(b));

describe('jpegSize', () => {
  it('reads width and height from baseline and progressive frame headers, past APPn segments', async () => {
    expect(jpegSize(await image(false))).toEqual({ width: 37, height: 21 });
    expect(jpegSize(await image(true))).toEqual({ width: 37, height: 21 });
  });

  it('reads a hand-made SOF0 after fill bytes', () => {
    // SOI, fill byte, SOF0: length 11, precision 8, height 0x0102, width 0x0304, 1 component
    const bytes = Uint8Array.of(0xff, 0xd8, 0xff, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0x02, 0x03, 0x04, 0x01, 0x01, 0x11, 0x00);
    expect(jpegSize(bytes)).toEqual({ width: 0x0304, height: 0x0102 });
  });

  it('gives undefined for non-JPEGs, truncated headers and a scan before any frame header', async () => {
    expect(jpegSize(Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).toBeUndefined();
    const jpeg = await image(false);
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
    expect(jpegSize(jpeg.subarray(0, sof + 6))).toBeUndefined();
    expect(jpegSize(Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0, 0, 0))).toBeUndefined();
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { rawToGray, rawToRgb, toGray, toJpeg, toRgb } from '../../host/pixels/index.js';

const frame = (pixformat: number, width: number, height: number, data: number[] | Uint8Array, byteSwapped = false) => ({ pixformat, width, height, data: Uint8Array.from(data), byteSwapped });

describe('raw pixel conversion', () => {
  it('RGB565 little-endian: red 0xF800, green 0x07E0, blue 0x001F, white, and a mid value', () => {
    const rgb = rawToRgb(frame(Pixformat.RGB565, 5, 1, [0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xff, 0xff, 0x10, 0x84]));
    // 0x8410: r5 = 16 → 132, g6 = 32 → 130, b5 = 16 → 132
    expect([...rgb]).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 132, 130, 132]);
  });

  it('RGB565 byte-swapped (ImageIO V1.0) reads big-endian words', () => {
    expect([...rawToRgb(frame(Pixformat.RGB565, 2, 1, [0xf8, 0x00, 0x00, 0x1f], true))]).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('gray from colour uses BT.601 luma', () => {
    expect([...rawToGray(frame(Pixformat.RGB565, 3, 1, [0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00]))]).toEqual([77, 150, 29].map((k) => Math.round((255 * k) / 256)));
  });

  it('BINARY: bit x%32 of little-endian word x/32, row by row', () => {
    // 33 px wide → 2 words (8 bytes) per row. Row 0: pixels 0 and 9 and 32 set. Row 1: pixel 31 set.
    const data = new Uint8Array(16);
    data[0] = 0b1;
    data[1] = 0b10;
    data[4] = 0b1;
    data[8 + 3] = 0x80;
    const g = rawToGray(frame(Pixformat.BINARY, 33, 2, data));
    const set = [...g].flatMap((v, i) => (v ? [i] : []));
    expect(set).toEqual([0, 9, 32, 33 + 31]);
    expect(g[9]).toBe(255);
  });

  it('YUYV and YVYU give the same colours for swapped chroma bytes; gray is the Y plane', () => {
    // Y=76 U=85 V=255 ≈ pure red in BT.601 full range.
    const yuyv = frame(Pixformat.YUV422, 2, 1, [76, 85, 76, 255]);
    const yvyu = frame(Pixformat.YVU422, 2, 1, [76, 255, 76, 85]);
    const rgb = rawToRgb(yuyv);
    expect(rgb[0]).toBeGreaterThan(250);
    expect(rgb[1]).toBeLessThan(5);
    expect(rgb[2]).toBeLessThan(5);
    expect(rawToRgb(yvyu)).toEqual(rgb);
    expect([...rawToGray(yuyv)]).toEqual([76, 76]);
  });

  it.each([
    ['BGGR', Pixformat.BAYER_BGGR, [2, 1, 1, 0]],
    ['GBRG', Pixformat.BAYER_GBRG, [1, 2, 0, 1]],
    ['GRBG', Pixformat.BAYER_GRBG, [1, 0, 2, 1]],
    ['RGGB', Pixformat.BAYER_RGGB, [0, 1, 1, 2]],
  ])('Bayer %s: a uniform colour demosaics to that colour everywhere', (_name, word, sites) => {
    // Each site records its own channel of the colour (200, 100, 50): the first row's pattern is the name.
    const colour = [200, 100, 50];
    const w = 4;
    const h = 4;
    const data = Array.from({ length: w * h }, (_, i) => colour[sites[(i % w & 1) | ((Math.floor(i / w) & 1) << 1)]!]!);
    const rgb = rawToRgb(frame(word, w, h, data));
    for (let i = 0; i < w * h; i++) expect([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]]).toEqual(colour);
  });

  it('refuses data of the wrong length', () => {
    expect(() => rawToRgb(frame(Pixformat.GRAYSCALE, 2, 2, [1, 2, 3]))).toThrow(/needs 4 bytes, got 3/);
  });
});

describe('compressed frames and JPEG encoding (sharp)', () => {
  const flat = async (channels: 1 | 3, value: number[]) => {
    const img = sharp(new Uint8Array(16 * 8 * channels).map((_, i) => value[i % channels]!), { raw: { width: 16, height: 8, channels } });
    return new Uint8Array(await (channels === 1 ? img.toColourspace('b-w') : img).jpeg({ quality: 95 }).toBuffer());
  };

  it('passes JPEG frames through byte for byte', async () => {
    const jpeg = await flat(3, [10, 200, 30]);
    expect(await toJpeg(frame(Pixformat.JPEG, 16, 8, jpeg))).toEqual(jpeg);
  });

  it('decodes a JPEG to RGB and to 1-channel gray only when asked', async () => {
    const jpeg = frame(Pixformat.JPEG, 16, 8, await flat(3, [200, 40, 40]));
    const rgb = await toRgb(jpeg);
    expect(rgb.length).toBe(16 * 8 * 3);
    expect(Math.abs(rgb[0]! - 200)).toBeLessThan(8);
    expect(Math.abs(rgb[1]! - 40)).toBeLessThan(8);
    const gray = await toGray(jpeg);
    expect(gray.length).toBe(16 * 8);
    expect(Math.abs(gray[0]! - Math.round(0.299 * 200 + 0.587 * 40 + 0.114 * 40))).toBeLessThan(4);
    const grayJpeg = frame(Pixformat.JPEG, 16, 8, await flat(1, [77]));
    expect((await sharp(grayJpeg.data).metadata()).channels).toBe(1);
    expect(Math.abs((await toGray(grayJpeg))[5]! - 77)).toBeLessThan(3);
  });

  it('encodes gray frames as true 1-channel JPEGs and colour frames as 3-channel', async () => {
    const gray = await toJpeg(frame(Pixformat.GRAYSCALE, 16, 8, new Uint8Array(128).fill(90)));
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const colour = await toJpeg(frame(Pixformat.RGB565, 16, 8, new Uint8Array(256).fill(0x1f)));
    expect((await sharp(colour).metadata()).channels).toBe(3);
  });

  it('says so when a JPEG does not match its record', async () => {
    await expect(toGray(frame(Pixformat.JPEG, 32, 8, await flat(1, [5])))).rejects.toThrow(/decodes to 16×8×1, but its record says 32×8/);
  });
});

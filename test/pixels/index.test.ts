import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { toGray, toJpeg, toRgb } from '../../host/pixels/index.js';
import { FormatError } from '../../protocol/errors.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';

const W = 16;
const H = 8;
const frame = (pixformat: number, data: Uint8Array, width = W, height = H) => ({ pixformat, width, height, data });
const flat = (channels: 1 | 3, value: number[]) => new Uint8Array(W * H * channels).map((_, i) => value[i % channels]!);
const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

async function jpegOf(channels: 1 | 3, value: number[], quality = 95): Promise<Uint8Array> {
  const img = sharp(flat(channels, value), { raw: { width: W, height: H, channels } });
  return u8(await (channels === 1 ? img.toColourspace('b-w') : img).jpeg({ quality }).toBuffer());
}

describe('JPEG frames', () => {
  it('pass through toJpeg untouched: the same bytes', async () => {
    const jpeg = await jpegOf(3, [10, 200, 30]);
    const copy = jpeg.slice();
    const out = await toJpeg(frame(Pixformat.JPEG, jpeg));
    expect(out).toBe(jpeg);
    expect(out).toEqual(copy);
  });

  it('decode to RGB close to the colour they were made from', async () => {
    const rgb = await toRgb(frame(Pixformat.JPEG, await jpegOf(3, [200, 40, 40])));
    expect(rgb.length).toBe(W * H * 3);
    for (const [i, want] of [200, 40, 40].entries()) expect(Math.abs(rgb[3 * 37 + i]! - want)).toBeLessThanOrEqual(6);
  });

  it('decode to gray: a colour JPEG through OpenMV luma, a gray JPEG straight from its one channel', async () => {
    // (38·200 + 75·40 + 15·40) >> 7 = 11200 >> 7 = 87
    const gray = await toGray(frame(Pixformat.JPEG, await jpegOf(3, [200, 40, 40])));
    expect(gray.length).toBe(W * H);
    expect(Math.abs(gray[20]! - 87)).toBeLessThanOrEqual(4);
    const grayJpeg = await jpegOf(1, [77]);
    expect((await sharp(grayJpeg).metadata()).channels).toBe(1);
    const g = await toGray(frame(Pixformat.JPEG, grayJpeg));
    expect(g.length).toBe(W * H);
    expect(Math.abs(g[5]! - 77)).toBeLessThanOrEqual(2);
  });

  it('that do not match their record, or are damaged, are FormatErrors', async () => {
    const jpeg = await jpegOf(1, [5]);
    await expect(toGray(frame(Pixformat.JPEG, jpeg, 32, 8))).rejects.toThrow(/decodes to 16×8×1, but its record says 32×8/);
    await expect(toRgb(frame(Pixformat.JPEG, jpeg.subarray(0, jpeg.length >> 1)))).rejects.toThrow(FormatError);
    await expect(toGray(frame(Pixformat.JPEG, Uint8Array.of(1, 2, 3)))).rejects.toThrow(/cannot be decoded/);
  });
});

describe('PNG frames', () => {
  it('decode losslessly, and gray PNGs become 1-channel JPEGs', async () => {
    const colour = flat(3, [12, 34, 56]);
    const png = u8(await sharp(colour, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
    expect(await toRgb(frame(Pixformat.PNG, png))).toEqual(colour);
    // (38·12 + 75·34 + 15·56) >> 7 = 3846 >> 7 = 30
    expect((await toGray(frame(Pixformat.PNG, png)))[0]).toBe(30);
    const grayPng = u8(await sharp(flat(1, [99]), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer());
    expect(await toGray(frame(Pixformat.PNG, grayPng))).toEqual(flat(1, [99]));
    expect((await sharp(await toJpeg(frame(Pixformat.PNG, grayPng))).metadata()).channels).toBe(1);
    expect((await sharp(await toJpeg(frame(Pixformat.PNG, png))).metadata()).channels).toBe(3);
  });
});

describe('encoding raw frames to JPEG', () => {
  it('gray and binary frames become true 1-channel JPEGs of the same pixels', async () => {
    const gray = await toJpeg(frame(Pixformat.GRAYSCALE, flat(1, [90])));
    expect(await sharp(gray).metadata()).toMatchObject({ format: 'jpeg', channels: 1, width: W, height: H });
    const back = await toGray(frame(Pixformat.JPEG, gray));
    expect(Math.abs(back[40]! - 90)).toBeLessThanOrEqual(2);
    const binary = await toJpeg(frame(Pixformat.BINARY, new Uint8Array(4 * H).fill(0xff)));
    expect((await sharp(binary).metadata()).channels).toBe(1);
  });

  it('colour frames become 3-channel JPEGs of their colour', async () => {
    // RGB565 pure red, little-endian 0xF800
    const red = new Uint8Array(W * H * 2).map((_, i) => (i % 2 ? 0xf8 : 0x00));
    const jpeg = await toJpeg(frame(Pixformat.RGB565, red));
    expect((await sharp(jpeg).metadata()).channels).toBe(3);
    const rgb = await toRgb(frame(Pixformat.JPEG, jpeg));
    expect(Math.abs(rgb[0]! - 255)).toBeLessThanOrEqual(6);
    expect(rgb[1]!).toBeLessThanOrEqual(6);
    expect(rgb[2]!).toBeLessThanOrEqual(6);
  });

  it('honours quality and refuses one outside 1–100', async () => {
    const noisy = new Uint8Array(64 * 64).map((_, i) => (i * 7919) % 251);
    const f = frame(Pixformat.GRAYSCALE, noisy, 64, 64);
    expect((await toJpeg(f, { quality: 20 })).length).toBeLessThan((await toJpeg(f, { quality: 95 })).length);
    await expect(toJpeg(f, { quality: 0 })).rejects.toThrow(RangeError);
    await expect(toJpeg(f, { quality: 101 })).rejects.toThrow(/1 to 100/);
  });

  it('validates raw frames before encoding', async () => {
    await expect(toJpeg(frame(Pixformat.RGB565, new Uint8Array(10)))).rejects.toThrow(/needs 256 bytes/);
  });
});

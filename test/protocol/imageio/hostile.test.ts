import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { encodeFileHeader, encodeImageIo, ImageIoFormatError, ImageIoIndexer, parseImageIo, Pixformat } from '../../../protocol/imageio/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Two good GRAYSCALE 4×4 frames: records at 16 and 64, file ends at 112. */
const good = encodeImageIo([
  { elapsedMs: 1, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(16).fill(7) },
  { elapsedMs: 2, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(16).fill(8) },
]);
const GOOD_END = 112;
/** A V2 header with the given u32 fields (elapsed, w, h, pixformat, size), the rest zero. */
const header = (fields: number[]): Uint8Array => {
  const out = new Uint8Array(32);
  fields.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v, true));
  return out;
};
const goodThen = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat([good, ...parts]));

describe('hostile ImageIO input', () => {
  it('refuses a wrong magic as soon as a byte is wrong', () => {
    const parsed = parseImageIo(ascii('NOT AN IMG STRM!'));
    expect(parsed.error).toBeInstanceOf(ImageIoFormatError);
    expect(parsed.error).toBeInstanceOf(FormatError);
    expect(parsed.error).toMatchObject({ code: 'EFORMAT', offset: 0, frameIndex: undefined });
    expect(parsed.error?.message).toMatch(/byte 0: not an OpenMV ImageIO stream .*"NOT AN IMG STRM!"/);
    expect(parsed.frames).toEqual([]);
    expect(parsed.tail).toBeUndefined();
    const ix = new ImageIoIndexer();
    ix.push(ascii('OMV IMX'));
    expect(ix.error?.message).toMatch(/^byte 6: not an OpenMV ImageIO stream/);
    expect(parseImageIo(ascii('OMV IMG STR V2.x')).error?.message).toMatch(/^byte 15:/);
  });

  it('refuses an unsupported version (V3.0, V1.2, V0.0)', () => {
    for (const v of ['3.0', '1.2', '0.0']) {
      const parsed = parseImageIo(ascii(`OMV IMG STR V${v}`));
      expect(parsed.version).toBeUndefined();
      expect(parsed.error?.message).toContain(`ImageIO version V${v} is not supported`);
      expect(parsed.error?.offset).toBe(0);
    }
  });

  it.each([
    ['an invalid pixformat', [0, 4, 4, 0x12345678, 0], /invalid pixformat 0x12345678/],
    ['GRAY16 (defined in imlib.h but not a valid pixformat)', [0, 4, 4, 0x08020102, 0], /invalid pixformat 0x08020102/],
    ['width 0', [0, 0, 4, Pixformat.GRAYSCALE, 0], /width 0 is outside 1\.\.32767/],
    ['width 100000', [0, 100000, 4, Pixformat.GRAYSCALE, 0], /width 100000 is outside/],
    ['width -1 (as i32)', [0, 0xffffffff, 4, Pixformat.GRAYSCALE, 0], /width 4294967295 is outside/],
    ['height 32768', [0, 4, 32768, Pixformat.RGB565, 0], /height 32768 is outside/],
    ['a JPEG size field of 0xFFFFFFFF', [0, 320, 240, Pixformat.JPEG, 0xffffffff], /compressed size 4294967295 is implausible for a 320×240 frame/],
  ])('stops at %s, keeping every frame before it and saying where', (_what, fields, message) => {
    const ix = new ImageIoIndexer();
    ix.push(goodThen(header(fields), new Uint8Array(100)));
    expect(ix.frames.map((f) => f.index)).toEqual([0, 1]);
    expect(ix.error).toMatchObject({ offset: GOOD_END, frameIndex: 2 });
    expect(ix.error?.message).toMatch(message);
    expect(ix.error?.message).toMatch(/^frame 2 at byte 112: .*the 2 frame\(s\) before it are intact/);
    expect(ix.completeBytes).toBe(GOOD_END);
    expect(ix.tail()).toBeUndefined();
    expect(ix.bytesSeen).toBe(GOOD_END + 132);
    ix.push(good);
    expect(ix.frames.length).toBe(2);
    expect(ix.bytesSeen).toBe(GOOD_END + 132 + GOOD_END);
  });

  it('reports the error even when the bad header arrives a byte at a time', () => {
    const bytes = goodThen(header([0, 4, 4, 0x12345678, 0]));
    const ix = new ImageIoIndexer();
    for (let i = 0; i < bytes.length; i++) {
      ix.push(bytes.subarray(i, i + 1));
      expect(ix.error === undefined).toBe(i < bytes.length - 1);
    }
    expect(ix.error?.offset).toBe(GOOD_END);
  });

  it('refuses a V1 JPEG whose bpp (length) field is 0xFFFFFFFF', () => {
    const v1 = new Uint8Array(32);
    v1.set(encodeFileHeader(11));
    new Uint32Array(v1.buffer, 16, 4).set([0, 160, 120, 0xffffffff]);
    expect(parseImageIo(v1).error?.message).toMatch(/^frame 0 at byte 16: compressed size 4294967295 is implausible/);
  });

  it('waits for a huge but possible JPEG without allocating for it: a data cut with the bytes still missing', () => {
    const ix = new ImageIoIndexer();
    ix.push(goodThen(header([0, 32767, 32767, Pixformat.JPEG, 0xfffffff0]), new Uint8Array(1000)));
    expect(ix.error).toBeUndefined();
    expect(ix.frames.length).toBe(2);
    expect(ix.tail()).toEqual({ offset: GOOD_END, have: 1032, need: 32 + 0xfffffff0 - 1032, reason: 'data cut' });
  });

  it('accepts non-zero V2 reserved bytes, as the firmware (which never reads them) does', () => {
    const h = header([5, 4, 4, Pixformat.GRAYSCALE, 0]);
    h.fill(0xee, 20, 32);
    const parsed = parseImageIo(goodThen(h, new Uint8Array(16)));
    expect(parsed.error).toBeUndefined();
    expect(parsed.frames.length).toBe(3);
    expect(parsed.frames[2]).toMatchObject({ elapsedMs: 5, dataOffset: GOOD_END + 32, dataLength: 16 });
  });
});

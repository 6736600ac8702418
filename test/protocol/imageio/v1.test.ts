import { describe, expect, it } from 'vitest';
import { encodeFrameRecord, encodeImageIo, frameData, ImageIoIndexer, parseImageIo, Pixformat, type ImageIoFrame } from '../../../protocol/imageio/index.js';
import { expectIndexerAt, type RecordBounds } from './cut-model.js';

const fill = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 7 + seed) & 0xff);

/** A V1 file built by hand from the layout in openmv.md §1.4: 16-byte headers (elapsed, w, h, bpp), data, pad. */
function handMadeV1(minor: 0 | 1): Uint8Array {
  const out = new Uint8Array(192);
  out.set(new TextEncoder().encode(`OMV IMG STR V1.${minor}`), 0);
  const dv = new DataView(out.buffer);
  const header = (at: number, elapsed: number, w: number, h: number, bpp: number) => [elapsed, w, h, bpp].forEach((v, i) => dv.setUint32(at + 4 * i, v, true));
  header(16, 10, 2, 1, 2); // RGB565 2×1: 4 bytes
  out.set([0xf8, 0x00, 0x07, 0xe0], 32); // big-endian red, green
  header(48, 20, 33, 2, 0); // BINARY 33×2: two u32 words per row → 16 bytes
  out.set(fill(16, 1), 64);
  header(80, 30, 4, 2, 3); // BAYER 4×2: 8 bytes
  out.set(fill(8, 2), 96);
  header(112, 40, 160, 120, 21); // JPEG: bpp = its 21-byte length
  out.set(fill(21, 3), 128);
  header(160, 0, 3, 3, 1); // GRAYSCALE 3×3: 9 bytes
  out.set(fill(9, 4), 176);
  return out;
}
const RECORDS: RecordBounds[] = [
  { header: 16, dataEnd: 36, end: 48 },
  { header: 48, dataEnd: 80, end: 80 },
  { header: 80, dataEnd: 104, end: 112 },
  { header: 112, dataEnd: 149, end: 160 },
  { header: 160, dataEnd: 185, end: 192 },
];
const frames: ImageIoFrame[] = [
  { elapsedMs: 10, width: 2, height: 1, pixformat: Pixformat.RGB565, data: new Uint8Array([0xf8, 0x00, 0x07, 0xe0]) },
  { elapsedMs: 20, width: 33, height: 2, pixformat: Pixformat.BINARY, data: fill(16, 1) },
  { elapsedMs: 30, width: 4, height: 2, pixformat: Pixformat.BAYER_BGGR, data: fill(8, 2) },
  { elapsedMs: 40, width: 160, height: 120, pixformat: Pixformat.JPEG, data: fill(21, 3) },
  { elapsedMs: 0, width: 3, height: 3, pixformat: Pixformat.GRAYSCALE, data: fill(9, 4) },
];

for (const minor of [0, 1] as const) {
  describe(`V1.${minor} files`, () => {
    const bytes = handMadeV1(minor);

    it('index with bpp codes mapped to pixformats and the JPEG length taken from the bpp field', () => {
      const parsed = parseImageIo(bytes);
      expect(parsed.version).toBe(10 + minor);
      expect(parsed.error).toBeUndefined();
      expect(parsed.tail).toBeUndefined();
      expect(parsed.frames.map((f) => [f.headerOffset, f.dataOffset, f.dataLength, f.paddedEnd])).toEqual([
        [16, 32, 4, 48],
        [48, 64, 16, 80],
        [80, 96, 8, 112],
        [112, 128, 21, 160],
        [160, 176, 9, 192],
      ]);
      expect(parsed.frames.map((f) => f.pixformat)).toEqual([Pixformat.RGB565, Pixformat.BINARY, Pixformat.BAYER_BGGR, Pixformat.JPEG, Pixformat.GRAYSCALE]);
      expect(parsed.frames.map((f) => f.sizeField)).toEqual([2, 0, 3, 21, 1]);
      expect(parsed.frames.map((f) => f.elapsedMs)).toEqual([10, 20, 30, 40, 0]);
      parsed.frames.forEach((f, i) => expect(frameData(bytes, f)).toEqual(frames[i]!.data));
    });

    it(`flags RGB565 as byte-swapped ${minor === 0 ? 'in V1.0' : 'only in V1.0, not V1.1'}`, () => {
      expect(parseImageIo(bytes).frames.map((f) => f.byteSwapped)).toEqual([minor === 0, false, false, false, false]);
    });

    it('the writer produces the hand-made bytes (stored data unchanged, never swapped)', () => {
      expect(encodeImageIo(frames, (10 + minor) as 10 | 11)).toEqual(bytes);
    });

    it('cut at every byte offset: 16-byte headers, the right frames and tail', () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const ix = new ImageIoIndexer();
        ix.push(bytes.subarray(0, cut));
        expectIndexerAt(ix, RECORDS, cut, 16);
      }
    });
  });
}

describe('writing V1 records', () => {
  it('stores the smallest JPEG (4 bytes, the first code that means JPEG) by its length', () => {
    const rec = encodeFrameRecord({ elapsedMs: 5, width: 8, height: 8, pixformat: Pixformat.JPEG, data: fill(4, 0) }, 11);
    expect(rec.length).toBe(32);
    expect(new DataView(rec.buffer).getUint32(12, true)).toBe(4);
  });

  it('refuses what the firmware\'s V1 writer refuses', () => {
    const one = (pixformat: number, data: Uint8Array) => () => encodeFrameRecord({ elapsedMs: 0, width: 2, height: 1, pixformat, data }, 10);
    expect(one(Pixformat.YUV422, new Uint8Array(4))).toThrow(/YUV422 frames cannot be stored in a V1/);
    expect(one(Pixformat.BAYER_RGGB, new Uint8Array(2))).toThrow(/BAYER_RGGB frames cannot be stored in a V1/);
    expect(one(Pixformat.PNG, new Uint8Array(40))).toThrow(/PNG frames cannot be stored in a V1/);
    expect(one(Pixformat.JPEG, new Uint8Array(3))).toThrow(/length is its format code/);
  });
});

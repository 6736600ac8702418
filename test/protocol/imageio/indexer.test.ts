import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFileHeader, encodeFrameRecord, encodeImageIo, frameData, frameTimesMs, ImageIoIndexer, parseImageIo, Pixformat, type ImageIoFrame } from '../../../protocol/imageio/index.js';

const fill = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);
const jpeg = (n: number, seed: number): Uint8Array => {
  const b = fill(n, seed);
  b.set([0xff, 0xd8], 0);
  b.set([0xff, 0xd9], n - 2);
  return b;
};

/** GRAYSCALE 5×3 (15 bytes), RGB565 3×3 (18 bytes), JPEG 37 bytes, GRAYSCALE 4×4 (16, no padding), ARGB8 (0 bytes). */
const mixed: ImageIoFrame[] = [
  { elapsedMs: 0, width: 5, height: 3, pixformat: Pixformat.GRAYSCALE, data: fill(15, 1) },
  { elapsedMs: 33, width: 3, height: 3, pixformat: Pixformat.RGB565, data: fill(18, 2) },
  { elapsedMs: 34, width: 320, height: 240, pixformat: Pixformat.JPEG, data: jpeg(37, 3) },
  { elapsedMs: 0xffffffff, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: fill(16, 4) },
  { elapsedMs: 1, width: 2, height: 2, pixformat: Pixformat.ARGB8, data: new Uint8Array(0) },
];
/** Record offsets worked out by hand: header 32 + data + pad to 16. */
const HEADERS = [16, 16 + 32 + 16, 64 + 32 + 32, 128 + 32 + 48, 208 + 32 + 16];
const DATA_END = [48 + 15, 96 + 18, 160 + 37, 240 + 16, 288 + 0];
const FILE_END = 288;
const file = encodeImageIo(mixed);

describe('ImageIoIndexer on a V2.0 file mixing GRAYSCALE, RGB565, JPEG and ARGB8', () => {
  it('lays records out at 16-byte boundaries with 32-byte headers', () => {
    expect(file.length).toBe(FILE_END);
    const parsed = parseImageIo(file);
    expect(parsed.frames.map((f) => f.headerOffset)).toEqual(HEADERS);
    expect(parsed.frames.map((f) => f.dataOffset + f.dataLength)).toEqual(DATA_END);
    expect(parsed.frames.map((f) => f.sizeField)).toEqual([0, 0, 37, 0, 0]);
  });

  it('round-trips writer → indexer byte for byte', () => {
    const parsed = parseImageIo(file);
    expect(parsed.error).toBeUndefined();
    expect(parsed.tail).toBeUndefined();
    parsed.frames.forEach((f, i) => {
      const src = mixed[i]!;
      expect({ w: f.width, h: f.height, p: f.pixformat, e: f.elapsedMs, swapped: f.byteSwapped }).toEqual({ w: src.width, h: src.height, p: src.pixformat, e: src.elapsedMs, swapped: false });
      expect(frameData(file, f)).toEqual(src.data);
    });
    expect(encodeImageIo(parsed.frames.map((f) => ({ ...f, data: frameData(file, f) })))).toEqual(file);
  });

  it('cut at every byte offset: exactly the frames whose data is whole, and a tail saying what is missing', () => {
    for (let cut = 0; cut <= file.length; cut++) {
      const ix = new ImageIoIndexer();
      ix.push(file.subarray(0, cut));
      const want = DATA_END.filter((end) => end <= cut).length;
      expect(ix.frames.length, `cut ${cut}`).toBe(want);
      const tail = ix.tail();
      if (cut < 16) expect(tail).toEqual({ offset: 0, have: cut, need: 16 - cut, reason: 'magic cut' });
      else if (cut === 16 || HEADERS.includes(cut) || cut === FILE_END) expect(tail, `cut ${cut}`).toBeUndefined();
      else {
        const record = HEADERS.filter((h) => h <= cut).length - 1;
        const start = HEADERS[record]!;
        expect(tail?.offset, `cut ${cut}`).toBe(start);
        const recordSize = (HEADERS.find((h) => h > start) ?? FILE_END) - start;
        expect((tail?.have ?? 0) + (tail?.need ?? 0), `cut ${cut}`).toBe(tail?.reason === 'header cut' ? 32 : recordSize);
        expect(tail?.reason, `cut ${cut}`).toBe(cut - start < 32 ? 'header cut' : cut < DATA_END[record]! ? 'data cut' : 'padding cut');
        expect(ix.completeBytes, `cut ${cut}`).toBe(start);
      }
    }
  });

  it('continues indexing as the file grows, whatever the chunking', () => {
    const whole = parseImageIo(file).frames;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: FILE_END }), { maxLength: 12 }), (cuts) => {
        const ix = new ImageIoIndexer();
        let at = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          ix.push(file.subarray(at, c));
          at = c;
          expect(ix.frames.length).toBe(DATA_END.filter((end) => end <= c).length);
        }
        ix.push(file.subarray(at));
        expect(ix.frames).toEqual(whole);
        expect(ix.tail()).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('gives frame times as the running sum of elapsed ms', () => {
    expect(frameTimesMs(parseImageIo(file).frames.slice(0, 3))).toEqual([0, 33, 67]);
  });
});

describe('V1.0 and V1.1 files', () => {
  const v1frames: ImageIoFrame[] = [
    { elapsedMs: 10, width: 2, height: 1, pixformat: Pixformat.RGB565, data: new Uint8Array([0xf8, 0x00, 0x07, 0xe0]) },
    { elapsedMs: 20, width: 64, height: 2, pixformat: Pixformat.BINARY, data: fill(16, 5) },
    { elapsedMs: 30, width: 4, height: 2, pixformat: Pixformat.BAYER_BGGR, data: fill(8, 6) },
    { elapsedMs: 40, width: 160, height: 120, pixformat: Pixformat.JPEG, data: jpeg(21, 7) },
  ];

  it('stores the legacy bpp code, with a JPEG frame\'s length as its code', () => {
    const bytes = encodeImageIo(v1frames, 10);
    expect(String.fromCharCode(...bytes.subarray(0, 16))).toBe('OMV IMG STR V1.0');
    const dv = new DataView(bytes.buffer);
    expect(dv.getUint32(16 + 12, true)).toBe(2);
    expect(dv.getUint32(16 + 16 + 16 + 12, true)).toBe(0);
    const parsed = parseImageIo(bytes);
    expect(parsed.frames.map((f) => f.sizeField)).toEqual([2, 0, 3, 21]);
    expect(parsed.frames.map((f) => f.pixformat)).toEqual([Pixformat.RGB565, Pixformat.BINARY, Pixformat.BAYER_BGGR, Pixformat.JPEG]);
    expect(parsed.frames.map((f) => f.dataOffset)).toEqual([32, 48 + 16, 80 + 16, 112 + 16]);
    expect(frameData(bytes, parsed.frames[3]!)).toEqual(v1frames[3]!.data);
  });

  it('flags RGB565 as byte-swapped in V1.0 only', () => {
    expect(parseImageIo(encodeImageIo(v1frames, 10)).frames[0]!.byteSwapped).toBe(true);
    expect(parseImageIo(encodeImageIo(v1frames, 11)).frames[0]!.byteSwapped).toBe(false);
    expect(parseImageIo(encodeImageIo(v1frames, 20)).frames[0]!.byteSwapped).toBe(false);
  });

  it('refuses formats V1 cannot store', () => {
    expect(() => encodeFrameRecord({ elapsedMs: 0, width: 1, height: 1, pixformat: Pixformat.YUV422, data: new Uint8Array(2) }, 11)).toThrow(/cannot be stored in a V1/);
  });
});

describe('hostile input', () => {
  const head = (fields: number[]): Uint8Array => new Uint8Array(new Uint32Array([...fields, 0, 0, 0, 0].slice(0, 8)).buffer);
  const withRecord = (fields: number[]): Uint8Array => new Uint8Array(Buffer.concat([file.subarray(0, FILE_END), head(fields)]));

  it('rejects a wrong magic and an unknown version', () => {
    expect(parseImageIo(new TextEncoder().encode('NOT AN IMG STRM!')).error?.message).toMatch(/not an OpenMV ImageIO stream/);
    const v3 = encodeFileHeader(20);
    v3[13] = '3'.charCodeAt(0);
    expect(parseImageIo(v3).error?.message).toMatch(/V3\.0/);
  });

  it('stops at an invalid pixformat or an absurd size, keeping every frame before it', () => {
    for (const fields of [[0, 4, 4, 0x12345678, 0], [0, 0, 4, Pixformat.GRAYSCALE, 0], [0, 100000, 4, Pixformat.GRAYSCALE, 0]]) {
      const parsed = parseImageIo(withRecord(fields));
      expect(parsed.frames.length).toBe(5);
      expect(parsed.error?.offset).toBe(FILE_END);
      expect(parsed.error?.message).toMatch(/frame 5 at byte 288/);
    }
  });

  it('treats a 4 GiB JPEG size field as corruption without allocating for it', () => {
    const parsed = parseImageIo(withRecord([0, 320, 240, Pixformat.JPEG, 0xffffffff]));
    expect(parsed.frames.length).toBe(5);
    expect(parsed.error?.message).toMatch(/compressed size 4294967295 is implausible/);
  });

  it('ignores bytes pushed after an error', () => {
    const ix = new ImageIoIndexer();
    ix.push(withRecord([0, 4, 4, 0x12345678, 0]));
    ix.push(file);
    expect(ix.frames.length).toBe(5);
    expect(ix.bytesSeen).toBe(FILE_END + 32 + FILE_END);
  });

  it('the writer refuses raw data of the wrong length and sizes out of range', () => {
    expect(() => encodeFrameRecord({ elapsedMs: 0, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(15) })).toThrow(/needs 16 bytes, got 15/);
    expect(() => encodeFrameRecord({ elapsedMs: 0, width: 0, height: 4, pixformat: Pixformat.JPEG, data: new Uint8Array(15) })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeImageIo, frameData, frameTimesMs, ImageIoIndexer, parseImageIo, Pixformat, type ImageIoFrame } from '../../../protocol/imageio/index.js';
import { expectIndexerAt, expectSameIndexInChunkings, type RecordBounds } from './cut-model.js';

const fill = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff);
const jpeg = (n: number, seed: number): Uint8Array => {
  const b = fill(n, seed);
  b.set([0xff, 0xd8], 0);
  b.set([0xff, 0xd9], n - 2);
  return b;
};

/** Data sizes 15, 18, 37, 16, 0, 24, 4: most not multiples of 16. */
const mixed: ImageIoFrame[] = [
  { elapsedMs: 0, width: 5, height: 3, pixformat: Pixformat.GRAYSCALE, data: fill(15, 1) },
  { elapsedMs: 33, width: 3, height: 3, pixformat: Pixformat.RGB565, data: fill(18, 2) },
  { elapsedMs: 34, width: 320, height: 240, pixformat: Pixformat.JPEG, data: jpeg(37, 3) },
  { elapsedMs: 0xffffffff, width: 4, height: 4, pixformat: Pixformat.GRAYSCALE, data: fill(16, 4) },
  { elapsedMs: 1, width: 2, height: 2, pixformat: Pixformat.ARGB8, data: new Uint8Array(0) },
  { elapsedMs: 2, width: 33, height: 3, pixformat: Pixformat.BINARY, data: fill(24, 5) },
  { elapsedMs: 3, width: 2, height: 1, pixformat: Pixformat.YUV422, data: fill(4, 6) },
];
/** Worked out by hand: 32-byte header at a 16-aligned offset, data, zero padding to the next multiple of 16. */
const RECORDS: RecordBounds[] = [
  { header: 16, dataEnd: 48 + 15, end: 64 },
  { header: 64, dataEnd: 96 + 18, end: 128 },
  { header: 128, dataEnd: 160 + 37, end: 208 },
  { header: 208, dataEnd: 240 + 16, end: 256 },
  { header: 256, dataEnd: 288, end: 288 },
  { header: 288, dataEnd: 320 + 24, end: 352 },
  { header: 352, dataEnd: 384 + 4, end: 400 },
];
const FILE_END = 400;
const file = encodeImageIo(mixed);

describe('a V2.0 file mixing GRAYSCALE, RGB565, JPEG, ARGB8, BINARY and YUV422 frames', () => {
  it('lays records out at 16-byte boundaries with 32-byte headers and zero padding', () => {
    expect(file.length).toBe(FILE_END);
    const parsed = parseImageIo(file);
    expect(parsed.frames.map((f) => f.headerOffset)).toEqual(RECORDS.map((r) => r.header));
    expect(parsed.frames.map((f) => f.dataOffset + f.dataLength)).toEqual(RECORDS.map((r) => r.dataEnd));
    expect(parsed.frames.map((f) => f.paddedEnd)).toEqual(RECORDS.map((r) => r.end));
    expect(parsed.frames.map((f) => f.sizeField)).toEqual([0, 0, 37, 0, 0, 0, 0]);
    for (const r of RECORDS) expect([...file.subarray(r.dataEnd, r.end)].every((b) => b === 0)).toBe(true);
  });

  it('round-trips writer → indexer/frameData byte for byte', () => {
    const parsed = parseImageIo(file);
    expect(parsed.version).toBe(20);
    expect(parsed.error).toBeUndefined();
    expect(parsed.tail).toBeUndefined();
    expect(parsed.completeBytes).toBe(FILE_END);
    parsed.frames.forEach((f, i) => {
      const src = mixed[i]!;
      expect({ index: f.index, w: f.width, h: f.height, p: f.pixformat, e: f.elapsedMs, swapped: f.byteSwapped }).toEqual({ index: i, w: src.width, h: src.height, p: src.pixformat, e: src.elapsedMs, swapped: false });
      expect(frameData(file, f)).toEqual(src.data);
    });
    expect(encodeImageIo(parsed.frames.map((f) => ({ ...f, data: frameData(file, f) })))).toEqual(file);
  });

  it('cut at every byte offset: exactly the complete frames before the cut and a tail saying what is missing', () => {
    for (let cut = 0; cut <= FILE_END; cut++) {
      const ix = new ImageIoIndexer();
      ix.push(file.subarray(0, cut));
      expectIndexerAt(ix, RECORDS, cut, 32);
    }
  });

  it('describes the tails of a few cuts exactly (spot checks of the model)', () => {
    const at = (cut: number) => parseImageIo(file.subarray(0, cut));
    expect(at(0).tail).toEqual({ offset: 0, have: 0, need: 16, reason: 'magic cut' });
    expect(at(5).tail).toEqual({ offset: 0, have: 5, need: 11, reason: 'magic cut' });
    expect(at(16).tail).toBeUndefined();
    expect(at(20).tail).toEqual({ offset: 16, have: 4, need: 28, reason: 'header cut' });
    expect(at(48).tail).toEqual({ offset: 16, have: 32, need: 16, reason: 'data cut' });
    expect(at(63)).toMatchObject({ completeBytes: 63, tail: { offset: 63, have: 0, need: 1, reason: 'padding cut' } });
    expect(at(200)).toMatchObject({ completeBytes: 197, tail: { offset: 197, have: 3, need: 8, reason: 'padding cut' } });
    expect(at(200).frames.length).toBe(3);
    expect(at(287).tail).toEqual({ offset: 256, have: 31, need: 1, reason: 'header cut' });
  });

  it('gives the same index in random chunkings as in one push, and is right after every chunk', () => {
    expectSameIndexInChunkings(file, RECORDS, 20, 300);
  });

  it('continues when the file grows: part, read the index, then the rest', () => {
    const ix = new ImageIoIndexer();
    ix.push(file.subarray(0, 170));
    expect(ix.frames.map((f) => f.index)).toEqual([0, 1]);
    expect(ix.tail()).toEqual({ offset: 128, have: 42, need: 80 - 42, reason: 'data cut' });
    const seen = ix.frames.slice();
    ix.push(file.subarray(170, 171));
    ix.push(file.subarray(171));
    expect(ix.frames.slice(0, 2)).toEqual(seen);
    expect(ix.frames.length).toBe(7);
    expect(ix.tail()).toBeUndefined();
    expect(ix.completeBytes).toBe(FILE_END);
    ix.push(new Uint8Array(0));
    expect(ix.bytesSeen).toBe(FILE_END);
  });

  it('gives frame times as the running sum of elapsed ms', () => {
    expect(frameTimesMs(parseImageIo(file).frames.slice(0, 3))).toEqual([0, 33, 67]);
    expect(frameTimesMs([])).toEqual([]);
  });

  it('frameData refuses an entry that lies past the bytes given', () => {
    const last = parseImageIo(file).frames[6]!;
    expect(() => frameData(file.subarray(0, 387), last)).toThrow(/frame 6 ends at byte 388, past the 387 bytes/);
  });
});

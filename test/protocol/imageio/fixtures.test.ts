import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeImageIo, frameData, ImageIoIndexer, ImageIoWriter, parseImageIo, Pixformat } from '../../../protocol/imageio/index.js';
import { readShared } from '../../support/shared.js';
import { expectIndexerAt, expectSameIndexInChunkings, type RecordBounds } from './cut-model.js';

interface FixtureMeta {
  bytes: number;
  sha256: string;
  magic: string;
  frames: { index: number; header_offset: number; data_offset: number; elapsed_ms: number; w: number; h: number; pixfmt: string; size_field: number; data_bytes: number }[];
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const fixtures = [
  { name: 'firmware-imageio-gray', pixformat: Pixformat.GRAYSCALE, bytesPerPixel: 1 },
  { name: 'firmware-imageio-rgb565', pixformat: Pixformat.RGB565, bytesPerPixel: 2 },
];

for (const { name, pixformat, bytesPerPixel } of fixtures) {
  describe(`genuine firmware recording ${name}`, () => {
    const bytes = new Uint8Array(readShared('fixtures', `${name}.bin`));
    const meta = JSON.parse(readShared('fixtures', `${name}.json`).toString('utf8')) as FixtureMeta;
    const records: RecordBounds[] = meta.frames.map((f) => {
      const dataEnd = f.data_offset + f.data_bytes;
      return { header: f.header_offset, dataEnd, end: Math.ceil(dataEnd / 16) * 16 };
    });

    it('is the file the fixture describes', () => {
      expect(bytes.length).toBe(meta.bytes);
      expect(sha256(bytes)).toBe(meta.sha256);
      expect(meta.magic).toBe('OMV IMG STR V2.0');
      expect(meta.frames.length).toBe(10);
    });

    it('indexes every frame with the fields the firmware wrote', () => {
      const parsed = parseImageIo(bytes);
      expect(parsed.version).toBe(20);
      expect(parsed.error).toBeUndefined();
      expect(parsed.tail).toBeUndefined();
      expect(parsed.completeBytes).toBe(meta.bytes);
      expect(
        parsed.frames.map((f) => ({
          index: f.index,
          header_offset: f.headerOffset,
          data_offset: f.dataOffset,
          elapsed_ms: f.elapsedMs,
          w: f.width,
          h: f.height,
          pixfmt: `0x${f.pixformat.toString(16).padStart(8, '0')}`,
          size_field: f.sizeField,
          data_bytes: f.dataLength,
        })),
      ).toEqual(meta.frames);
      for (const f of parsed.frames) {
        expect(f.pixformat).toBe(pixformat);
        expect(f.sizeField).toBe(0);
        expect(f.dataLength).toBe(64 * 48 * bytesPerPixel);
        expect(f.byteSwapped).toBe(false);
      }
    });

    it('the writer reproduces the file byte for byte from the fields and pixels', () => {
      const frames = meta.frames.map((m) => ({
        elapsedMs: m.elapsed_ms,
        width: m.w,
        height: m.h,
        pixformat: Number(m.pixfmt),
        data: bytes.subarray(m.data_offset, m.data_offset + m.data_bytes),
      }));
      expect(sha256(encodeImageIo(frames))).toBe(meta.sha256);
      const writer = new ImageIoWriter();
      const streamed = Buffer.concat([writer.header(), ...frames.map((f) => writer.frame(f))]);
      expect(sha256(streamed)).toBe(meta.sha256);
      expect(writer.bytesWritten).toBe(meta.bytes);
    });

    it('frameData returns each frame\'s pixels where the .json puts them', () => {
      const parsed = parseImageIo(bytes);
      parsed.frames.forEach((f, i) => {
        const m = meta.frames[i]!;
        expect(frameData(bytes, f)).toEqual(bytes.subarray(m.data_offset, m.data_offset + m.data_bytes));
      });
    });

    it('cut at every byte offset: exactly the complete frames before the cut and the right tail', () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const ix = new ImageIoIndexer();
        ix.push(bytes.subarray(0, cut));
        expectIndexerAt(ix, records, cut, 32);
      }
    });

    it('in random chunkings indexes the same as in one push, correct after every chunk', () => {
      expectSameIndexInChunkings(bytes, records, 30, 100);
    });
  });
}

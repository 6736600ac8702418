import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeImageIo, frameData, parseImageIo } from '../../../protocol/imageio/index.js';
import { readShared } from '../../support/shared.js';

interface FixtureMeta {
  bytes: number;
  sha256: string;
  magic: string;
  frames: { index: number; header_offset: number; data_offset: number; elapsed_ms: number; w: number; h: number; pixfmt: string; size_field: number; data_bytes: number }[];
}

for (const name of ['firmware-imageio-gray', 'firmware-imageio-rgb565']) {
  describe(`genuine firmware recording ${name}`, () => {
    const bytes = new Uint8Array(readShared('fixtures', `${name}.bin`));
    const meta = JSON.parse(readShared('fixtures', `${name}.json`).toString('utf8')) as FixtureMeta;

    it('is the file the fixture describes', () => {
      expect(bytes.length).toBe(meta.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(meta.sha256);
    });

    it('indexes every frame with the fields the firmware wrote', () => {
      const parsed = parseImageIo(bytes);
      expect(parsed.version).toBe(20);
      expect(parsed.error).toBeUndefined();
      expect(parsed.tail).toBeUndefined();
      expect(parsed.frames.map((f) => ({ index: f.index, header_offset: f.headerOffset, data_offset: f.dataOffset, elapsed_ms: f.elapsedMs, w: f.width, h: f.height, pixfmt: `0x${f.pixformat.toString(16).padStart(8, '0')}`, size_field: f.sizeField, data_bytes: f.dataLength }))).toEqual(meta.frames);
    });

    it('the writer reproduces the file byte for byte from the fields and pixels', () => {
      const frames = parseImageIo(bytes).frames;
      const rewritten = encodeImageIo(
        meta.frames.map((m, i) => ({ elapsedMs: m.elapsed_ms, width: m.w, height: m.h, pixformat: Number(m.pixfmt), sizeField: m.size_field, data: frameData(bytes, frames[i]!) })),
      );
      expect(createHash('sha256').update(rewritten).digest('hex')).toBe(meta.sha256);
    });

    it('cut at every byte offset, yields exactly the frames whose data lies before the cut', () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const parsed = parseImageIo(bytes.subarray(0, cut));
        const want = meta.frames.filter((f) => f.data_offset + f.data_bytes <= cut).length;
        if (parsed.frames.length !== want || parsed.error) expect.fail(`cut at ${cut}: ${parsed.frames.length} frames (want ${want}), error ${parsed.error?.message}`);
        const atBoundary = cut === 16 || meta.frames.some((f) => f.header_offset === cut) || cut === bytes.length;
        if (atBoundary !== (parsed.tail === undefined)) expect.fail(`cut at ${cut}: tail ${JSON.stringify(parsed.tail)}`);
      }
    });
  });
}

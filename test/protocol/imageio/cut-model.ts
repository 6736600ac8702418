import { expect } from 'vitest';
import fc from 'fast-check';
import { ImageIoIndexer, parseImageIo } from '../../../protocol/imageio/index.js';
import { chunked } from '../../support/chunks.js';

/** A record's boundaries, written down from the format description (not by the code under test). */
export interface RecordBounds {
  header: number;
  dataEnd: number;
  end: number;
}

export interface CutExpectation {
  frames: number;
  completeBytes: number;
  tail: { offset: number; have: number; need: number; reason: string } | undefined;
}

/** What an indexer fed the first `cut` bytes of a file with these records (V2 headers: 32 bytes) must report. */
export function expectedAtCut(records: readonly RecordBounds[], cut: number, headerSize: number): CutExpectation {
  if (cut < 16) return { frames: 0, completeBytes: 0, tail: { offset: 0, have: cut, need: 16 - cut, reason: 'magic cut' } };
  const r = records.findIndex((rec) => rec.header <= cut && cut < rec.end);
  if (r < 0) {
    const whole = records.filter((rec) => rec.end <= cut).length;
    return { frames: whole, completeBytes: cut, tail: undefined };
  }
  const { header, dataEnd, end } = records[r]!;
  const have = cut - header;
  if (have === 0) return { frames: r, completeBytes: header, tail: undefined };
  if (have < headerSize) return { frames: r, completeBytes: header, tail: { offset: header, have, need: headerSize - have, reason: 'header cut' } };
  if (cut < dataEnd) return { frames: r, completeBytes: header, tail: { offset: header, have, need: end - cut, reason: 'data cut' } };
  return { frames: r + 1, completeBytes: dataEnd, tail: { offset: dataEnd, have: cut - dataEnd, need: end - cut, reason: 'padding cut' } };
}

export function expectIndexerAt(ix: ImageIoIndexer, records: readonly RecordBounds[], cut: number, headerSize: number): void {
  const want = expectedAtCut(records, cut, headerSize);
  const got = { frames: ix.frames.length, completeBytes: ix.completeBytes, tail: ix.tail(), error: ix.error?.message, bytesSeen: ix.bytesSeen };
  const wanted = { ...want, error: undefined, bytesSeen: cut };
  // Compared cheaply first: this runs for every byte offset of every file.
  if (JSON.stringify(got) !== JSON.stringify(wanted)) expect(got, `cut at ${cut}`).toEqual(wanted);
}

/** Feeds `bytes` in random chunkings: the index must be right after every chunk and equal one push's at the end. */
export function expectSameIndexInChunkings(bytes: Uint8Array, records: readonly RecordBounds[], maxCuts: number, numRuns: number): void {
  const whole = parseImageIo(bytes).frames;
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: maxCuts }), (cuts) => {
      const ix = new ImageIoIndexer();
      let at = 0;
      for (const chunk of chunked(bytes, cuts)) {
        ix.push(chunk);
        at += chunk.length;
        expectIndexerAt(ix, records, at, 32);
      }
      expect(ix.frames).toEqual(whole);
    }),
    { numRuns },
  );
}

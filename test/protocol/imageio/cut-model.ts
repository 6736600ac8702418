import { expect } from 'vitest';
import type { ImageIoIndexer } from '../../../protocol/imageio/index.js';

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

/** Split points (any values) turned into ordered chunks covering `bytes`. */
export function chunked(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(at, p));
    at = p;
  }
  chunks.push(bytes.subarray(at));
  return chunks;
}

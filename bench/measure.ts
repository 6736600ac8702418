import { closeSync, openSync, writeSync } from 'node:fs';
import { ImageIoWriter } from '../protocol/imageio/index.js';
import { Pixformat } from '../protocol/imageio/pixformat.js';

/** Shared timing helpers for benches: each figure is the best of several runs, after a warm-up run. */
export interface Rate {
  bytes: number;
  seconds: number;
  mbPerS: number;
}

export async function bestRate(bytes: number, run: () => void | Promise<void>, { runs = 5, minSeconds = 0.2 } = {}): Promise<Rate> {
  await run();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    let reps = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      await run();
      reps++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < minSeconds);
    best = Math.min(best, elapsed / reps);
  }
  return { bytes, seconds: best, mbPerS: bytes / 1e6 / best };
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Cuts a byte stream into reads of `size` bytes, as a serial port hands them over. */
export function reads(stream: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, at + size));
  return out;
}

/** A recording of `bytes` (about) of 320×240 grayscale frames, written without holding it in memory. */
export function writeRecording(path: string, bytes: number): number {
  const fd = openSync(path, 'w');
  const writer = new ImageIoWriter();
  writeSync(fd, writer.header());
  const data = new Uint8Array(320 * 240);
  for (let i = 0; writer.bytesWritten < bytes; i++) {
    data.fill(i & 0xff, 0, 1024);
    writeSync(fd, writer.frame({ elapsedMs: 33, width: 320, height: 240, pixformat: Pixformat.GRAYSCALE, data }));
  }
  closeSync(fd);
  return writer.bytesWritten;
}

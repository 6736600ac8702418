import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { tool } from '../../support/tools.js';

export const W = 48;
export const H = 32;

/** `count` different W×H colour JPEGs made with sharp; several of them have an odd length. */
export async function makeJpegs(count: number, width = W, height = H): Promise<Uint8Array[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const raw = new Uint8Array(width * height * 3).map((_, j) => (j % 3 === 0 ? i * 25 : (j * 7 + i * 13) & 0xff));
      const b = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 70 + (i % 5) }).toBuffer();
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    }),
  );
}

export const tempAvi = (name = 'v.avi'): string => join(mkdtempSync(join(tmpdir(), 'omvd-avi-')), name);

export interface Probe {
  codec_name: string;
  width: number;
  height: number;
  nb_read_frames: string;
  avg_frame_rate: string;
  r_frame_rate: string;
  duration: string;
}

/** ffprobe's view of the first stream, decoding every frame; fails with a clear message without ffmpeg. */
export function probe(path: string): Probe {
  const out = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', path], 'ffmpeg')) as { streams: Probe[] };
  if (out.streams.length !== 1) throw new Error(`${path} should hold exactly one stream, ffprobe found ${out.streams.length}`);
  return out.streams[0]!;
}

/** Decodes every frame with ffmpeg, which fails on any error. */
export function decodesCleanly(path: string): void {
  tool('ffmpeg', ['-v', 'error', '-xerror', '-i', path, '-f', 'null', '-'], 'ffmpeg');
}

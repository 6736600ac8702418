import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MjpegAviFile } from '../../../host/writers/video/avi.js';
import { rotatedPath, RotatingMjpegWriter, VideoWriter } from '../../../host/writers/video/video-writer.js';
import { Pixformat } from '../../../protocol/imageio/pixformat.js';
import { walkRiff } from '../../support/riff.js';
import { tool } from '../../support/tools.js';

const W = 48;
const H = 32;
let jpegs: Uint8Array[];

function probe(path: string): { codec_name: string; width: number; height: number; nb_read_frames: string; avg_frame_rate: string } {
  const out = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', path], 'ffmpeg'));
  return out.streams[0];
}

beforeAll(async () => {
  jpegs = await Promise.all(
    Array.from({ length: 9 }, async (_, i) => {
      const raw = new Uint8Array(W * H * 3).map((_, j) => (j % 3 === 0 ? i * 25 : (j * 7 + i) & 0xff));
      return new Uint8Array(await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 80 }).toBuffer());
    }),
  );
  expect(jpegs.some((j) => j.length % 2 === 1)).toBe(true);
});

describe('MJPEG AVI', () => {
  it('plays in ffprobe/ffmpeg with every frame at the given rate', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-avi-')), 'v.avi');
    const avi = await MjpegAviFile.create(path, { width: W, height: H, fps: 12.5 });
    for (const j of jpegs) await avi.appendJpeg(j);
    await avi.close();
    expect(probe(path)).toMatchObject({ codec_name: 'mjpeg', width: W, height: H, nb_read_frames: '9', avg_frame_rate: '25/2' });
    tool('ffmpeg', ['-v', 'error', '-xerror', '-i', path, '-f', 'null', '-'], 'ffmpeg');
  });

  it('stores the JPEG bytes untouched in 00dc chunks, indexed by idx1', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-avi-')), 'v.avi');
    const avi = await MjpegAviFile.create(path, { width: W, height: H, fps: 10 });
    for (const j of jpegs) await avi.appendJpeg(j);
    await avi.close();
    const bytes = new Uint8Array(readFileSync(path));
    expect(String.fromCharCode(...bytes.subarray(0, 4), ...bytes.subarray(8, 12))).toBe('RIFFAVI ');
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(bytes.length - 8);
    const top = walkRiff(bytes);
    expect(top.map((c) => c.list ?? c.id)).toEqual(['hdrl', 'movi', 'idx1']);
    const movi = top[1]!;
    expect(movi.children!.map((c) => c.body)).toEqual(jpegs);
    const idx = new DataView(top[2]!.body.buffer, top[2]!.body.byteOffset, top[2]!.body.length);
    movi.children!.forEach((chunk, i) => {
      expect(idx.getUint32(i * 16 + 4, true)).toBe(0x10);
      expect(idx.getUint32(i * 16 + 8, true)).toBe(chunk.offset - (movi.offset + 8));
      expect(idx.getUint32(i * 16 + 12, true)).toBe(jpegs[i]!.length);
    });
  });

  it('is only a .part until closed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-avi-')), 'v.avi');
    const avi = await MjpegAviFile.create(path, { width: W, height: H, fps: 10 });
    await avi.appendJpeg(jpegs[0]!);
    await avi.abandon();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
    await expect(MjpegAviFile.create(path, { width: W, height: H, fps: 0 })).rejects.toThrow(RangeError);
  });

  it('rotates before a file passes its size limit, every part playable', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-avi-')), 'v.avi');
    const limit = 224 + 8 + 3 * (8 + Math.max(...jpegs.map((j) => j.length)) + 1 + 16);
    const w = new RotatingMjpegWriter(path, { width: W, height: H, fps: 10, maxFileBytes: limit });
    for (const j of jpegs) await w.append(j);
    const { files, frames } = await w.close();
    expect(frames).toBe(9);
    expect(files[0]).toBe(path);
    expect(files[1]).toBe(rotatedPath(path, 1));
    expect(files[1]).toMatch(/v\.001\.avi$/);
    expect(files.length).toBeGreaterThanOrEqual(3);
    let total = 0;
    for (const f of files) {
      expect(readFileSync(f).length).toBeLessThanOrEqual(limit);
      total += Number(probe(f).nb_read_frames);
    }
    expect(total).toBe(9);
  });

  it('VideoWriter takes JPEG bytes or raw frames and buffers flushInterval frames', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-avi-')), 'v.avi');
    const vw = new VideoWriter(path, 30, 4);
    await vw.append(jpegs[0]!);
    await vw.append({ width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(W * H).fill(128) });
    expect(existsSync(`${path}.part`)).toBe(false);
    await vw.append(jpegs[1]!);
    await vw.append(jpegs[2]!);
    expect(existsSync(`${path}.part`)).toBe(true);
    await vw.append(jpegs[3]!);
    expect(await vw.close()).toEqual({ files: [path], frames: 5 });
    expect(probe(path)).toMatchObject({ nb_read_frames: '5', avg_frame_rate: '30/1' });
  });
});

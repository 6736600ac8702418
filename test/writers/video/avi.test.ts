import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MjpegAviFile } from '../../../host/writers/video/avi.js';
import { FormatError } from '../../../protocol/errors.js';
import { walkRiff, type Chunk } from '../../support/riff.js';
import { decodesCleanly, H, makeJpegs, probe, tempAvi, W } from './support.js';

let jpegs: Uint8Array[];

beforeAll(async () => {
  jpegs = await makeJpegs(9);
  expect(jpegs.some((j) => j.length % 2 === 1)).toBe(true);
  expect(jpegs.some((j) => j.length % 2 === 0)).toBe(true);
});

async function writeAvi(fps: number, frames = jpegs): Promise<string> {
  const path = tempAvi();
  const avi = await MjpegAviFile.create(path, { width: W, height: H, fps });
  for (const j of frames) await avi.appendJpeg(j);
  expect(await avi.close()).toEqual({ path, frames: frames.length, bytes: readFileSync(path).length });
  return path;
}

const u32 = (body: Uint8Array, at: number) => new DataView(body.buffer, body.byteOffset, body.length).getUint32(at, true);
const ascii = (body: Uint8Array, at: number) => String.fromCharCode(...body.subarray(at, at + 4));
const child = (list: Chunk, id: string) => list.children!.find((c) => c.id === id || c.list === id)!;

describe('MjpegAviFile', () => {
  it('plays in ffprobe/ffmpeg: mjpeg, the right size, every frame, at the given rate', async () => {
    const path = await writeAvi(12.5);
    const s = probe(path);
    expect(s).toMatchObject({ codec_name: 'mjpeg', width: W, height: H, nb_read_frames: '9', avg_frame_rate: '25/2', r_frame_rate: '25/2' });
    expect(Number(s.duration)).toBeCloseTo(9 / 12.5, 3);
    decodesCleanly(path);
  });

  it('keeps a fractional mean rate (dwRate/dwScale = fps·1000/1000)', async () => {
    expect(probe(await writeAvi(29.97, jpegs.slice(0, 3)))).toMatchObject({ avg_frame_rate: '2997/100', nb_read_frames: '3' });
  });

  it('keeps a time-lapse rate below 1 fps (1000 frames per interval-in-ms)', async () => {
    // one frame every 100 s
    const s = probe(await writeAvi(0.01, jpegs.slice(0, 3)));
    expect(s).toMatchObject({ avg_frame_rate: '1/100', nb_read_frames: '3' });
    expect(Number(s.duration)).toBeCloseTo(300, 3);
  });

  it('stores each JPEG byte for byte in a 00dc chunk of its exact length, word-aligned', async () => {
    const bytes = new Uint8Array(readFileSync(await writeAvi(10)));
    expect(ascii(bytes, 0) + ascii(bytes, 8)).toBe('RIFFAVI ');
    expect(u32(bytes, 4)).toBe(bytes.length - 8);
    const top = walkRiff(bytes);
    expect(top.map((c) => c.list ?? c.id)).toEqual(['hdrl', 'movi', 'idx1']);
    const movi = top[1]!;
    expect(movi.children!.map((c) => c.id)).toEqual(jpegs.map(() => '00dc'));
    expect(movi.children!.map((c) => c.body)).toEqual(jpegs);
    for (const [i, c] of movi.children!.entries()) {
      expect(c.offset % 2).toBe(0);
      if (jpegs[i]!.length % 2) expect(bytes[c.offset + 8 + jpegs[i]!.length]).toBe(0);
    }
    const moviEnd = movi.offset + 8 + u32(bytes, movi.offset + 4);
    expect(moviEnd).toBe(top[2]!.offset);
  });

  it('indexes every chunk in idx1: 00dc, keyframe, offset from the movi fourcc, size', async () => {
    const bytes = new Uint8Array(readFileSync(await writeAvi(10)));
    const [, movi, idx1] = walkRiff(bytes) as [Chunk, Chunk, Chunk];
    expect(idx1.body.length).toBe(16 * jpegs.length);
    movi.children!.forEach((chunk, i) => {
      expect(ascii(idx1.body, i * 16)).toBe('00dc');
      expect(u32(idx1.body, i * 16 + 4)).toBe(0x10);
      const offset = u32(idx1.body, i * 16 + 8);
      expect(offset).toBe(chunk.offset - (movi.offset + 8));
      expect(ascii(bytes, movi.offset + 8 + offset)).toBe('00dc');
      expect(u32(idx1.body, i * 16 + 12)).toBe(jpegs[i]!.length);
    });
    expect(u32(idx1.body, 8)).toBe(4);
  });

  it('patches frame count, rate and size into avih, strh and strf', async () => {
    const bytes = new Uint8Array(readFileSync(await writeAvi(12.5)));
    const hdrl = walkRiff(bytes)[0]!;
    const avih = child(hdrl, 'avih').body;
    expect(avih.length).toBe(56);
    expect(u32(avih, 0)).toBe(80_000); // µs per frame at 12.5 fps
    expect(u32(avih, 12)).toBe(0x10); // AVIF_HASINDEX
    expect(u32(avih, 16)).toBe(9);
    expect(u32(avih, 24)).toBe(1);
    expect([u32(avih, 32), u32(avih, 36)]).toEqual([W, H]);
    const strl = child(hdrl, 'strl');
    const strh = child(strl, 'strh').body;
    expect(ascii(strh, 0) + ascii(strh, 4)).toBe('vidsMJPG');
    expect([u32(strh, 20), u32(strh, 24), u32(strh, 32)]).toEqual([1000, 12_500, 9]); // scale, rate, length
    const strf = child(strl, 'strf').body;
    expect([u32(strf, 0), u32(strf, 4), u32(strf, 8)]).toEqual([40, W, H]);
    expect(new DataView(strf.buffer, strf.byteOffset).getUint16(14, true)).toBe(24);
    expect(ascii(strf, 16)).toBe('MJPG');
  });

  it('is only a .part until closed', async () => {
    const path = tempAvi();
    const avi = await MjpegAviFile.create(path, { width: W, height: H, fps: 10 });
    await avi.appendJpeg(jpegs[0]!);
    expect(readdirSync(dirname(path))).toEqual(['v.avi.part']);
    await avi.abandon();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dirname(path))).toEqual(['v.avi.part']);
  });

  it('refuses non-JPEG bytes, a JPEG of another size, and impossible options', async () => {
    const avi = await MjpegAviFile.create(tempAvi(), { width: W, height: H, fps: 10 });
    await expect(avi.appendJpeg(Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).rejects.toThrow(FormatError);
    const [big] = await makeJpegs(1, W * 2, H);
    await expect(avi.appendJpeg(big!)).rejects.toThrow(/frame 0 of .*v\.avi is 96×32, but the video is 48×32/);
    await avi.abandon();
    await expect(MjpegAviFile.create(tempAvi(), { width: W, height: H, fps: 0 })).rejects.toThrow(RangeError);
    await expect(MjpegAviFile.create(tempAvi(), { width: W, height: H, fps: Number.NaN })).rejects.toThrow(/frame rate/);
    await expect(MjpegAviFile.create(tempAvi(), { width: 0, height: H, fps: 10 })).rejects.toThrow(/video size/);
  });
});

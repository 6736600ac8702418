import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MjpegAviFile } from '../../../host/writers/video/avi.js';
import { rotatedPath, RotatingMjpegWriter, VideoWriter } from '../../../host/writers/video/video-writer.js';
import { Pixformat } from '../../../protocol/imageio/pixformat.js';
import { walkRiff } from '../../support/riff.js';
import { REPO } from '../../support/tools.js';
import { decodesCleanly, H, makeJpegs, probe, tempAvi, W } from './support.js';

let jpegs: Uint8Array[];
beforeAll(async () => {
  jpegs = await makeJpegs(9);
});

/** The JPEGs inside an AVI's movi list, found by our own RIFF walk. */
const moviBodies = (path: string) => walkRiff(new Uint8Array(readFileSync(path)))[1]!.children!.map((c) => c.body);

describe('rotation', () => {
  it('names the parts out.avi, out.001.avi, out.002.avi, …', () => {
    expect(rotatedPath('/d/out.avi', 0)).toBe('/d/out.avi');
    expect(rotatedPath('/d/out.avi', 1)).toBe('/d/out.001.avi');
    expect(rotatedPath('/d/out.AVI', 12)).toBe('/d/out.012.AVI');
    expect(rotatedPath('/d/out', 2)).toBe('/d/out.002');
  });

  it('starts a new file before one would pass the limit; each file is a whole playable AVI', async () => {
    const path = tempAvi();
    const largest = Math.max(...jpegs.map((j) => j.length));
    // headers (224) + idx1 header (8) + room for 3 of the largest frames (chunk header, body, pad, idx1 entry)
    const limit = 224 + 8 + 3 * (8 + largest + 1 + 16);
    const w = new RotatingMjpegWriter(path, { width: W, height: H, fps: 10, maxFileBytes: limit });
    for (const j of jpegs) await w.append(j);
    const { files, frames } = await w.close();
    expect(frames).toBe(9);
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files.map((f) => basename(f))).toEqual(['v.avi', ...files.slice(1).map((_, i) => `v.${String(i + 1).padStart(3, '0')}.avi`)]);
    expect(readdirSync(dirname(path)).sort()).toEqual(files.map((f) => basename(f)).sort());
    for (const f of files) {
      expect(readFileSync(f).length).toBeLessThanOrEqual(limit);
      expect(Number(probe(f).nb_read_frames)).toBe(moviBodies(f).length);
      decodesCleanly(f);
    }
    expect(files.flatMap(moviBodies)).toEqual(jpegs);
  });

  it('fills a file right up to the limit: a limit of exactly two frames gives two frames per file', async () => {
    const same = Array.from({ length: 5 }, () => jpegs[0]!);
    const limit = MjpegAviFile.EMPTY_SIZE + 2 * MjpegAviFile.frameCost(same[0]!.length);
    const w = new RotatingMjpegWriter(tempAvi(), { width: W, height: H, fps: 10, maxFileBytes: limit });
    for (const j of same) await w.append(j);
    const { files } = await w.close();
    expect(files.map((f) => moviBodies(f).length)).toEqual([2, 2, 1]);
    expect(readFileSync(files[0]!).length).toBe(limit);
  });

  it('refuses a frame that could never fit, and limits no AVI 1.0 reader handles', async () => {
    const w = new RotatingMjpegWriter(tempAvi(), { width: W, height: H, fps: 10, maxFileBytes: 300 });
    await expect(w.append(jpegs[0]!)).rejects.toMatchObject({ code: 'ETOOLARGE' });
    expect(() => new RotatingMjpegWriter(tempAvi(), { width: W, height: H, fps: 10, maxFileBytes: 2 ** 32 })).toThrow(RangeError);
    expect(() => new RotatingMjpegWriter(tempAvi(), { width: W, height: H, fps: 10, maxFileBytes: 100 })).toThrow(/maxFileBytes/);
  });

  it('a killed writer leaves the files it finished and a .part, never a half-written .avi', async () => {
    const path = tempAvi();
    const jpegPath = join(dirname(path), 'frame.jpg.bin');
    writeFileSync(jpegPath, jpegs[0]!);
    const limit = MjpegAviFile.EMPTY_SIZE + 2 * MjpegAviFile.frameCost(jpegs[0]!.length);
    const proc = spawn(process.execPath, ['--import', 'tsx', resolve(REPO, 'test/writers/video/avi-child.ts'), path, jpegPath, '3', String(limit)], { cwd: REPO });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((done, fail) => {
      proc.stdout.on('data', (d: Buffer) => d.toString().includes('written') && done());
      proc.on('exit', (code) => fail(new Error(`writer exited early (${code}): ${stderr}`)));
    });
    proc.kill('SIGKILL');
    await new Promise((done) => proc.on('exit', done));
    expect(readdirSync(dirname(path)).sort()).toEqual(['frame.jpg.bin', 'v.001.avi.part', 'v.avi']);
    expect(probe(path).nb_read_frames).toBe('2');
  });
});

describe('VideoWriter', () => {
  it('takes JPEG bytes or raw frames and writes every flushInterval frames', async () => {
    const path = tempAvi();
    const vw = new VideoWriter(path, 30, 4);
    await vw.append(jpegs[0]!);
    await vw.append({ width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(W * H).fill(128) });
    await vw.append(jpegs[1]!);
    expect(existsSync(`${path}.part`)).toBe(false);
    await vw.append(jpegs[2]!);
    expect(existsSync(`${path}.part`)).toBe(true);
    await vw.append(jpegs[3]!);
    expect(await vw.close()).toEqual({ files: [path], frames: 5 });
    expect(await vw.close()).toEqual({ files: [path], frames: 5 });
    expect(probe(path)).toMatchObject({ width: W, height: H, nb_read_frames: '5', avg_frame_rate: '30/1' });
    const bodies = moviBodies(path);
    expect([bodies[0], bodies[2], bodies[3], bodies[4]]).toEqual(jpegs.slice(0, 4));
    await expect(vw.append(jpegs[0]!)).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('takes its size from the first frame, and refuses frames of another size when they are appended', async () => {
    const path = tempAvi();
    const vw = new VideoWriter(path, 10, 10);
    await vw.append({ width: 8, height: 4, pixformat: Pixformat.RGB565, data: new Uint8Array(64) });
    await expect(vw.append(jpegs[0]!)).rejects.toThrow(/frame 1 of .*v\.avi is 48×32, but the video is 8×4/);
    await expect(vw.append(Uint8Array.of(1, 2, 3))).rejects.toThrow(/frame 1 of .* is not a JPEG/);
    await vw.append({ width: 8, height: 4, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32) });
    expect(await vw.close()).toEqual({ files: [path], frames: 2 });
  });

  it('publishes nothing when abandoned or never closed', async () => {
    const path = tempAvi();
    const vw = new VideoWriter(path, 10, 2);
    for (const j of jpegs.slice(0, 3)) await vw.append(j);
    await vw.abandon();
    expect(readdirSync(dirname(path))).toEqual(['v.avi.part']);
    await expect(vw.close()).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('refuses a bad frame rate or flush interval up front', () => {
    expect(() => new VideoWriter(tempAvi(), 0)).toThrow(RangeError);
    expect(() => new VideoWriter(tempAvi(), 10, 0)).toThrow(/flushInterval/);
  });
});

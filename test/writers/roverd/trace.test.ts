import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createTrace } from '../../../host/writers/roverd/trace.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omvd-trace-'));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const f8 = (...values: number[]) => {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return b;
};
const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9);
const ROVERD_KEYS = ['format', 'type', 'shape', 'desc', 'description', 'args'];

/** A trace with sensor `camera`: jpg frames, u4 frame numbers and f8 elapsed ms. */
async function camera(dir = join(tmp(), 'rec')) {
  const trace = await createTrace(dir, { config: { source: 'rec_0001.bin', writer: 'omvd' } });
  const sensor = await trace.addSensor('camera');
  const frames = await sensor.addBlobChannel('frames', 'jpg', 'u1', [240, 320, 3], 'OpenMV camera frames (JPEG).');
  const frame = await sensor.addRawChannel('frame', 'u4', [], 'Frame number.');
  const elapsed = await sensor.addRawChannel('elapsed_ms', 'f8', [], 'Camera milliseconds since the previous frame.');
  return { dir, trace, sensor, frames, frame, elapsed };
}

describe('createTrace', () => {
  it('writes config.yaml atomically and refuses a folder that already is a trace', async () => {
    const dir = join(tmp(), 'rec');
    const trace = await createTrace(dir, { config: { source: 'a "quoted" name', fps: 25 } });
    expect(trace.path).toBe(dir);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toBe('"source": "a \\"quoted\\" name"\n"fps": 25\n');
    expect(readdirSync(dir)).toEqual(['config.yaml']);
    await expect(createTrace(dir, { config: {} })).rejects.toMatchObject({ code: 'ETRACE', message: expect.stringMatching(/already a trace/) });
  });
});

describe('TraceSensor', () => {
  it('writes meta.json with exactly the keys roverd accepts, indented by 4, before any data', async () => {
    const { sensor } = await camera();
    const meta = readJson(join(sensor.path, 'meta.json'));
    expect(meta).toEqual({
      ts: { format: 'raw', type: 'f8', shape: [], desc: 'Timestamp, in seconds.' },
      frames: { format: 'jpg', type: 'u1', shape: [240, 320, 3], desc: 'OpenMV camera frames (JPEG).' },
      frame: { format: 'raw', type: 'u4', shape: [], desc: 'Frame number.' },
      elapsed_ms: { format: 'raw', type: 'f8', shape: [], desc: 'Camera milliseconds since the previous frame.' },
    });
    for (const entry of Object.values(meta)) for (const key of Object.keys(entry as object)) expect(ROVERD_KEYS).toContain(key);
    expect(readFileSync(join(sensor.path, 'meta.json'), 'utf8')).toMatch(/^\{\n {4}"ts": \{\n {8}"format": "raw",/);
    expect(statSync(join(sensor.path, 'ts')).size).toBe(0);
    expect(readdirSync(sensor.path).sort()).toEqual(['elapsed_ms', 'frame', 'frames', 'meta.json', 'ts']);
    expect(await sensor.length()).toBe(0);
  });

  it('appends each frame: blobs and values, then ts as f8 epoch seconds; length is size(ts) / 8', async () => {
    const { sensor, frames } = await camera();
    await sensor.appendFrame({ ts: 1763812800.125, blobs: { frames: JPEG }, values: { frame: 0, elapsed_ms: 0 } });
    await sensor.appendFrame({ ts: 1763812800.165, blobs: { frames: JPEG.subarray(0, 5) }, values: { frame: 1, elapsed_ms: Float64Array.of(40.5) } });
    expect(await sensor.length()).toBe(2);
    expect(readFileSync(join(sensor.path, 'ts'))).toEqual(f8(1763812800.125, 1763812800.165));
    expect([...readFileSync(join(sensor.path, 'frame'))]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(readFileSync(join(sensor.path, 'elapsed_ms'))).toEqual(f8(0, 40.5));
    expect(readdirSync(frames.path)).toEqual(['000000.jpg', '000001.jpg']);
    expect(new Uint8Array(readFileSync(join(frames.path, '000001.jpg')))).toEqual(JPEG.subarray(0, 5));
    await sensor.close();
    expect(readdirSync(sensor.path).sort()).toEqual(['elapsed_ms', 'frame', 'frames', 'meta.json', 'ts']);
  });

  it('appends ts only after the frame\'s data, and a frame cut short before its ts is not counted', async () => {
    const { sensor, frames, frame, elapsed } = await camera();
    const writes = [vi.spyOn(frames, 'write'), vi.spyOn(frame, 'write'), vi.spyOn(elapsed, 'write'), vi.spyOn(sensor.ts, 'write')];
    await sensor.appendFrame({ ts: 10, blobs: { frames: JPEG }, values: { frame: 0, elapsed_ms: 0 } });
    const order = writes.map((w) => w.mock.invocationCallOrder[0] as number);
    expect(Math.max(...order.slice(0, 3))).toBeLessThan(order[3] as number);

    // The process dies after the frame's data is on disk and before its ts sample.
    writes[3]?.mockRejectedValueOnce(new Error('killed'));
    await expect(sensor.appendFrame({ ts: 11, blobs: { frames: JPEG }, values: { frame: 1, elapsed_ms: 40 } })).rejects.toThrow('killed');
    expect(await frames.length()).toBe(2);
    expect(statSync(frame.path).size).toBe(8);
    expect(await sensor.length()).toBe(1);
    expect(readFileSync(sensor.ts.path)).toEqual(f8(10));
    await expect(sensor.appendFrame({ ts: 12, blobs: { frames: JPEG }, values: { frame: 2, elapsed_ms: 40 } })).rejects.toMatchObject({
      code: 'ETRACE',
      message: expect.stringMatching(/earlier frame failed part-way/),
      cause: expect.objectContaining({ message: 'killed' }),
    });
    expect(await sensor.length()).toBe(1);
  });

  it('checks the whole frame before writing any of it', async () => {
    const { sensor, frames, frame } = await camera();
    const good = { ts: 1, blobs: { frames: JPEG }, values: { frame: 7, elapsed_ms: 0 } };
    const bad: [object, RegExp][] = [
      [{ ...good, values: { frame: 7 } }, /no values for "elapsed_ms"/],
      [{ ...good, values: { ...good.values, exposure: 3 } }, /values for "exposure" but this sensor has no such channel/],
      [{ ...good, blobs: {} }, /no blobs for "frames"/],
      [{ ...good, blobs: { frames: new Uint8Array(0) } }, /blob for "frames" must be a non-empty Uint8Array/],
      [{ ...good, values: { ...good.values, frame: -1 } }, /-1 is not a u4 integer \(0 to 4294967295\)/],
      [{ ...good, values: { ...good.values, frame: 2 ** 32 } }, /not a u4 integer/],
      [{ ...good, values: { ...good.values, frame: 1.5 } }, /not a u4 integer/],
      [{ ...good, values: { ...good.values, elapsed_ms: Float64Array.of(1, 2) } }, /a sample is 8 bytes, got 16/],
      [{ ...good, values: { ...good.values, frame: Float32Array.of(1) } }, /got a Float32Array; pass a number, a Uint32Array or raw bytes/],
      [{ ...good, ts: Number.NaN }, /ts must be a finite number/],
    ];
    for (const [frameData, message] of bad) await expect(sensor.appendFrame(frameData as never)).rejects.toThrow(message);
    expect([await frames.length(), await frame.length(), await sensor.length()]).toEqual([0, 0, 0]);
    await sensor.appendFrame(good);
    expect(await sensor.length()).toBe(1);
    expect([...(await frame.read()).data]).toEqual([7]);
  });

  it('writes frames in call order when they are not awaited one by one', async () => {
    const { sensor, frame } = await camera();
    await Promise.all(Array.from({ length: 20 }, (_, i) => sensor.appendFrame({ ts: 100 + i, blobs: { frames: JPEG }, values: { frame: i, elapsed_ms: i } })));
    expect([...(await frame.read()).data]).toEqual([...Array(20).keys()]);
    expect(readFileSync(sensor.ts.path)).toEqual(f8(...Array.from({ length: 20 }, (_, i) => 100 + i)));
  });

  it('declares an mjpg channel written by another module through the generic meta API', async () => {
    const trace = await createTrace(join(tmp(), 'rec'));
    const sensor = await trace.addSensor('camera');
    const path = await sensor.addChannel('video.avi', { format: 'mjpg', type: 'u1', shape: [240, 320, 3], desc: 'Ordinary camera video' });
    expect(path).toBe(join(sensor.path, 'video.avi'));
    expect(readJson(join(sensor.path, 'meta.json'))['video.avi']).toEqual({ format: 'mjpg', type: 'u1', shape: [240, 320, 3], desc: 'Ordinary camera video' });
    await expect(sensor.addChannel('depth', { format: 'raw', type: 'f4', shape: [2], desc: 'd', fps: 30 } as never)).rejects.toMatchObject({
      code: 'EMETA',
      message: expect.stringMatching(/key "fps" is not one roverd accepts/),
    });
    await expect(sensor.addChannel('v2.avi', { format: 'avi', type: 'u1', shape: [] } as never)).rejects.toThrow(/format "avi" is not a roverd format/);
    await expect(sensor.addChannel('v3.avi', { format: 'mjpg', type: 'u1', shape: [2, 2, 3], args: { fps: 10 } })).rejects.toThrow(/args key "fps" is not an argument of roverd's mjpg channel/);
    expect(Object.keys(readJson(join(sensor.path, 'meta.json')))).toEqual(['ts', 'video.avi']);
    await sensor.appendFrame({ ts: 5 });
    expect(await sensor.length()).toBe(1);
    await expect(sensor.addRawChannel('late', 'u1', [], 'too late')).rejects.toThrow(/"late" added after the first frame/);
  });

  it('keeps board information in a side file, never in meta.json', async () => {
    const { sensor } = await camera();
    await sensor.writeSideFile('openmv.json', { board: 'OPENMV4', firmware: '4.5.9' });
    expect(readJson(join(sensor.path, 'openmv.json'))).toEqual({ board: 'OPENMV4', firmware: '4.5.9' });
    expect(Object.keys(readJson(join(sensor.path, 'meta.json')))).toEqual(['ts', 'frames', 'frame', 'elapsed_ms']);
    await expect(sensor.writeSideFile('frame', {})).rejects.toThrow(/is a channel or meta.json/);
    await expect(sensor.addRawChannel('openmv.json', 'u1', [], 'x')).rejects.toThrow(/already taken/);
  });

  it('refuses an existing sensor, duplicate channels and names that are not one plain path segment', async () => {
    const { trace, sensor } = await camera();
    await expect(trace.addSensor('camera')).rejects.toMatchObject({ code: 'ETRACE', message: expect.stringMatching(/camera already exists/) });
    await expect(trace.addSensor('../escape')).rejects.toThrow(/sensor name "..\/escape" must be/);
    await expect(sensor.addRawChannel('ts', 'f8', [], 'again')).rejects.toThrow(/"ts" is already taken/);
    await expect(sensor.addRawChannel('frame', 'u1', [], 'again')).rejects.toThrow(/"frame" is already taken/);
    await expect(sensor.addBlobChannel('.hidden', 'jpg', 'u1', [1, 1, 3], 'x')).rejects.toThrow(/channel name ".hidden" must be/);
    await expect(sensor.addRawChannel('x', 'f16' as never, [], 'x')).rejects.toThrow(/unsupported dtype "f16"/);
  });
});

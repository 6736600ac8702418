import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobChannel } from '../../../host/writers/channels/blob.js';
import { RawChannel } from '../../../host/writers/channels/raw.js';
import { openTrace } from '../../../host/writers/roverd/reader.js';
import { createTrace } from '../../../host/writers/roverd/trace.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omvd-read-'));
const TS = { format: 'raw', type: 'f8', shape: [], description: 'Timestamp, in seconds.' };

/** A hand-made trace: config.yaml and one sensor `s` with the given meta.json entries. */
function handMade(meta: Record<string, unknown>): string {
  const dir = tmp();
  writeFileSync(join(dir, 'config.yaml'), 'name: x\n');
  mkdirSync(join(dir, 's'));
  writeFileSync(join(dir, 's', 'meta.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 's', 'ts'), new Uint8Array(20));
  return dir;
}

describe('openTrace', () => {
  it('lists sensor folders with a meta.json, skipping virtual (_) ones, and needs config.yaml', async () => {
    const dir = handMade({ ts: TS });
    mkdirSync(join(dir, '_virtual'));
    writeFileSync(join(dir, '_virtual', 'meta.json'), '{}');
    mkdirSync(join(dir, 'notes'));
    mkdirSync(join(dir, 'a_lidar'));
    writeFileSync(join(dir, 'a_lidar', 'meta.json'), '{}');
    writeFileSync(join(dir, 'readme.txt'), '');
    expect((await openTrace(dir)).sensors).toEqual(['a_lidar', 's']);
    await expect(openTrace(join(dir, 's'))).rejects.toMatchObject({ code: 'ETRACE', message: expect.stringMatching(/no config\.yaml/) });
    await expect((await openTrace(dir)).sensor('notes')).rejects.toThrow(/has no sensor "notes" \(it has: a_lidar, s\)/);
  });

  it('takes the length from ts as roverd does (floor(size / 8)) and opens raw and jpg channels', async () => {
    const dir = handMade({ ts: TS, v: { format: 'raw', type: 'u2', shape: [2], desc: 'v' }, img: { format: 'jpg', type: 'u1', shape: [2, 2, 3], args: { workers: 2 } } });
    const sensor = await (await openTrace(dir)).sensor('s');
    expect(await sensor.length()).toBe(2);
    const v = sensor.channel('v');
    expect(v).toBeInstanceOf(RawChannel);
    expect([v.dtype, v.shape]).toEqual(['u2', [2]]);
    const img = sensor.channel('img') as BlobChannel;
    expect(img).toBeInstanceOf(BlobChannel);
    expect([img.ext, img.workers, img.shape]).toEqual(['jpg', 2, [2, 2, 3]]);
    expect(() => sensor.channel('nope')).toThrow(/no channel "nope" in meta\.json \(it has: ts, v, img\)/);
  });

  it.each([
    ['an unknown key', { fps: 30 }, /channel "v": key "fps" is not one roverd accepts/],
    ['a missing shape', { shape: undefined }, /channel "v": key "shape" is missing/],
    ['an unknown format', { format: 'avi' }, /format "avi" is not a roverd format/],
    ['a bad shape', { shape: [2, -1] }, /shape must be a list of integers/],
    ['args for a raw channel', { args: { workers: 4 } }, /args key "workers" is not an argument of roverd's raw channel \(it takes none\)/],
    ['a non-string desc', { desc: 3 }, /desc must be a string/],
  ])('refuses meta.json with %s, as roverd would', async (_, change, message) => {
    const v = JSON.parse(JSON.stringify({ format: 'raw', type: 'u2', shape: [2], desc: 'v', ...change }));
    const dir = handMade({ ts: TS, v });
    await expect((await openTrace(dir)).sensor('s')).rejects.toMatchObject({ code: 'EMETA', message: expect.stringMatching(message) });
  });

  it('refuses a channel name that leaves the sensor folder', async () => {
    const dir = handMade({ ts: TS, '../../etc': { format: 'raw', type: 'u1', shape: [] } });
    await expect((await openTrace(dir)).sensor('s')).rejects.toThrow(/channel name "..\/..\/etc" is not a file name inside the sensor folder/);
  });

  it('knows mjpg, lzma and lzmaf are roverd formats but does not read them', async () => {
    const dir = handMade({ ts: TS, 'video.avi': { format: 'mjpg', type: 'u1', shape: [2, 2, 3], args: { interp: 'area' } } });
    const sensor = await (await openTrace(dir)).sensor('s');
    expect(() => sensor.channel('video.avi')).toThrow(expect.objectContaining({ code: 'EUNSUPPORTED', message: expect.stringMatching(/does not read roverd's mjpg channels/) }));
  });

  it('reads back a trace written by TraceSensor', async () => {
    const trace = await createTrace(join(tmp(), 'rec'), { config: { writer: 'omvd' } });
    const writer = await trace.addSensor('camera');
    await writer.addBlobChannel('frames', 'jpg', 'u1', [2, 2, 3], 'frames');
    await writer.addRawChannel('pos', 'i2', [2], 'position');
    for (let i = 0; i < 3; i++) await writer.appendFrame({ ts: 50 + i / 4, blobs: { frames: Uint8Array.of(0xff, i) }, values: { pos: Int16Array.of(i, -i) } });
    await writer.close();
    const sensor = await (await openTrace(trace.path)).sensor('camera');
    expect(Object.keys(sensor.meta)).toEqual(['ts', 'frames', 'pos']);
    expect(await sensor.length()).toBe(3);
    expect([...(await (sensor.channel('ts') as RawChannel).read()).data]).toEqual([50, 50.25, 50.5]);
    expect(await (sensor.channel('pos') as RawChannel).read(1, 2)).toEqual({ data: Int16Array.of(1, -1, 2, -2), shape: [2, 2] });
    expect(await (sensor.channel('frames') as BlobChannel).read(2, 1)).toEqual([Uint8Array.of(0xff, 2)]);
  });
});

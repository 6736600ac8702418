import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobChannel } from '../../../host/writers/channels/blob.js';
import { RawChannel } from '../../../host/writers/channels/raw.js';
import { createTrace, readSensorMeta, TraceSensor } from '../../../host/writers/roverd/trace.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omvd-ch-'));

describe('RawChannel', () => {
  it('appends samples, reads any range back and ignores a trailing partial sample', async () => {
    const ch = new RawChannel(join(tmp(), 'xy'), 'f4', [2]);
    expect(ch.size).toBe(8);
    await ch.write(Float32Array.of(1, 2, 3, 4));
    await ch.write(Float32Array.of(5, 6), { append: true });
    appendFileSync(ch.path, new Uint8Array(3));
    expect(await ch.length()).toBe(3);
    const { data, shape } = await ch.read(1, 2);
    expect(shape).toEqual([2, 2]);
    expect([...data]).toEqual([3, 4, 5, 6]);
    await expect(ch.read(2, 2)).rejects.toThrow(RangeError);
    await expect(ch.write(Float32Array.of(1))).rejects.toThrow(/not a whole number of 8-byte samples/);
  });
});

describe('BlobChannel', () => {
  it('numbers blobs from 000000, continues after existing ones, and never leaves temp files in the folder', async () => {
    const path = join(tmp(), 'frames');
    const ch = new BlobChannel(path, 'jpg');
    await ch.append(Uint8Array.of(1));
    await ch.append(Uint8Array.of(2));
    await ch.close();
    const again = new BlobChannel(path, 'jpg');
    expect(await again.append(Uint8Array.of(3))).toBe(2);
    expect(readdirSync(path)).toEqual(['000000.jpg', '000001.jpg', '000002.jpg']);
    expect([...(await again.read(1))]).toEqual([2]);
    await expect(again.read(3)).rejects.toThrow(RangeError);
  });

  it('refuses to count a stray file that roverd would take for a sample', async () => {
    const path = join(tmp(), 'frames');
    mkdirSync(path);
    writeFileSync(join(path, '000000.jpg'), 'x');
    writeFileSync(join(path, 'notes.txt'), 'x');
    await expect(new BlobChannel(path, 'jpg').length()).rejects.toThrow(/notes\.txt is not a jpg blob/);
  });
});

describe('roverd trace', () => {
  it('writes meta.json with only the keys roverd accepts, and data before ts', async () => {
    const dir = tmp();
    await createTrace(dir, { source: 'a "quoted" name' });
    const sensor = await TraceSensor.create(dir, 'camera');
    await sensor.addRaw('exposure', 'f8', [], 'Exposure, in µs.');
    await sensor.appendFrame({ ts: 1.5, values: { exposure: [100] } });
    expect(await sensor.length()).toBe(1);
    await expect(sensor.appendFrame({ ts: 2, values: { missing: [1] } })).rejects.toThrow(/no channel "missing"/);
    expect(await sensor.length()).toBe(1);
    const meta = await readSensorMeta(sensor.path);
    expect(meta.exposure).toEqual({ format: 'raw', type: 'f8', shape: [], desc: 'Exposure, in µs.' });
    await expect(TraceSensor.create(dir, '../escape')).rejects.toThrow(/sensor name/);
  });

  it('reading a meta.json with a key roverd refuses is an error naming it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ts: { format: 'raw', type: 'f8', shape: [], desc: 't', fps: 30 } }));
    writeFileSync(join(dir, 'ts'), '');
    await expect(readSensorMeta(dir)).rejects.toThrow(/key\(s\) roverd refuses: fps/);
  });
});

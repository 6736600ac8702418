import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrace } from '../../../host/writers/roverd/trace.js';
import { numpyJson } from './numpy.js';

/** Reads a sensor folder the way roverd does, with nothing of ours: json for meta.json, numpy.fromfile for raw channels, os.listdir for blobs. */
const READ_BACK = `
import json, os, sys, numpy
sensor = sys.argv[1]
meta = json.load(open(os.path.join(sensor, 'meta.json')))
def raw(name):
    m = meta[name]
    return numpy.fromfile(os.path.join(sensor, name), '<' + m['type']).reshape(-1, *m['shape'])
blobs = sorted(os.listdir(os.path.join(sensor, 'frames')))
print(json.dumps({
    'meta': meta,
    'length': os.stat(os.path.join(sensor, 'ts')).st_size // 8,
    'ts': raw('ts').tolist(),
    'frame': raw('frame').tolist(),
    'elapsed_ms': raw('elapsed_ms').tolist(),
    'accel': raw('accel').tolist(),
    'accel_dtype': str(raw('accel').dtype),
    'blobs': blobs,
    'blob_bytes': [list(open(os.path.join(sensor, 'frames', b), 'rb').read()) for b in blobs],
}))
`;

describe('a roverd trace read back by Debian numpy', () => {
  it('holds exactly the values written, under the names and types meta.json declares', async () => {
    const trace = await createTrace(join(mkdtempSync(join(tmpdir(), 'omvd-np-')), 'rec'), { config: { source: 'rec.bin' } });
    const sensor = await trace.addSensor('camera');
    await sensor.addBlobChannel('frames', 'jpg', 'u1', [240, 320, 3], 'OpenMV camera frames (JPEG).');
    await sensor.addRawChannel('frame', 'u4', [], 'Frame number.');
    await sensor.addRawChannel('elapsed_ms', 'f8', [], 'Milliseconds since the previous frame.');
    await sensor.addRawChannel('accel', 'i2', [2, 3], 'Two 3-axis accelerometer samples.');
    const ts = [1763812800.125, 1763812800.165, 1763812800.2051];
    for (let i = 0; i < 3; i++) {
      await sensor.appendFrame({
        ts: ts[i] as number,
        blobs: { frames: Uint8Array.of(0xff, 0xd8, 10 + i, 0xff, 0xd9) },
        values: { frame: 4294967295 - i, elapsed_ms: [0, 40, 40.1][i] as number, accel: Int16Array.of(i, 5 - i, 300, -32768, 32767, -7) },
      });
    }
    await sensor.writeSideFile('openmv.json', { board: 'OPENMV4' });
    await sensor.close();

    const got = numpyJson(READ_BACK, sensor.path) as Record<string, unknown>;
    expect(got.meta).toEqual({
      ts: { format: 'raw', type: 'f8', shape: [], desc: 'Timestamp, in seconds.' },
      frames: { format: 'jpg', type: 'u1', shape: [240, 320, 3], desc: 'OpenMV camera frames (JPEG).' },
      frame: { format: 'raw', type: 'u4', shape: [], desc: 'Frame number.' },
      elapsed_ms: { format: 'raw', type: 'f8', shape: [], desc: 'Milliseconds since the previous frame.' },
      accel: { format: 'raw', type: 'i2', shape: [2, 3], desc: 'Two 3-axis accelerometer samples.' },
    });
    expect(got.length).toBe(3);
    expect(got.ts).toEqual(ts);
    expect(got.frame).toEqual([4294967295, 4294967294, 4294967293]);
    expect(got.elapsed_ms).toEqual([0, 40, 40.1]);
    expect(got.accel_dtype).toBe('int16');
    expect(got.accel).toEqual([
      [[0, 5, 300], [-32768, 32767, -7]],
      [[1, 4, 300], [-32768, 32767, -7]],
      [[2, 3, 300], [-32768, 32767, -7]],
    ]);
    expect(got.blobs).toEqual(['000000.jpg', '000001.jpg', '000002.jpg']);
    expect(got.blob_bytes).toEqual([10, 11, 12].map((b) => [0xff, 0xd8, b, 0xff, 0xd9]));
  });
});

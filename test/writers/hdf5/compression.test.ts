import h5wasm from 'h5wasm/node';
import { describe, expect, it } from 'vitest';
import { Hdf5Writer } from '../../../host/writers/hdf5/hdf5-writer.js';
import { QueueHdf5Writer } from '../../../host/writers/hdf5/queue-writer.js';
import { tool } from '../../support/tools.js';
import { frameBytes, h5py, sha256, tmpFile } from './support.js';

const W = 320;
const H = 240;

async function writeFrames(path: string, n: number, options: Parameters<typeof Hdf5Writer.open>[1]): Promise<Uint8Array[]> {
  const w = await Hdf5Writer.open(path, options);
  w.requireFeature('image', [H, W], 'u1');
  const frames = Array.from({ length: n }, (_, i) => frameBytes(i % 7, H * W));
  for (const f of frames) w.storeFeatureChunk('image', f);
  w.storeLog('omvd-test', ['a line']);
  w.close();
  return frames;
}

describe('zstd compression (dcnum\'s filter 32015, through h5wasm-plugins)', () => {
  it('stores every dataset with filter 32015 at level 5, which h5wasm reads back to exactly the frames', async () => {
    const path = tmpFile('zstd.rtdc');
    const frames = await writeFrames(path, 30, { compression: 'zstd' });
    const f = new h5wasm.File(path, 'r');
    const image = f.get('events/image') as InstanceType<typeof h5wasm.Dataset>;
    expect(image.filters.map((x) => [x.id, x.cd_values])).toEqual([[32015, [5]]]);
    expect((f.get('logs/omvd-test') as InstanceType<typeof h5wasm.Dataset>).filters.map((x) => x.id)).toEqual([32015]);
    expect(sha256(image.value as Uint8Array)).toBe(sha256(...frames));
    f.close();
  });

  it('is shown to h5dump and h5py (HDF5 1.10, which have no zstd plugin) with dcnum\'s chunks, level and IMAGE attributes', async () => {
    const path = tmpFile('zstd-readers.rtdc');
    await writeFrames(path, 14, { compression: 'zstd', level: 7 });
    const header = tool('h5dump', ['-H', '-p', '-d', '/events/image', path], 'hdf5-tools');
    expect(header).toContain('CHUNKED ( 13, 240, 320 )');
    expect(header).toMatch(/FILTER_ID 32015[\s\S]*PARAMS \{ 7 \}/);
    const out = h5py<Record<string, unknown>>(`
img = f["events/image"]
print(json.dumps({"filters": {k: list(v) for k, v in img._filters.items()}, "shape": list(img.shape), "class": img.attrs["CLASS"].decode()}))`, path);
    expect(out).toEqual({ filters: { '32015': [7] }, shape: [14, H, W], class: 'IMAGE' });
  });

  it('works through the writer thread', async () => {
    const path = tmpFile('zstd-queue.rtdc');
    const w = await QueueHdf5Writer.open(path, { compression: 'zstd', features: [{ name: 'image', itemShape: [24, 32], dtype: 'u1' }] });
    for (let i = 0; i < 20; i++) await w.write(i, { image: frameBytes(i, 24 * 32) });
    await w.finish();
    const f = new h5wasm.File(path, 'r');
    const image = f.get('events/image') as InstanceType<typeof h5wasm.Dataset>;
    expect(image.filters.map((x) => x.id)).toEqual([32015]);
    expect(sha256(image.value as Uint8Array)).toBe(sha256(...Array.from({ length: 20 }, (_, i) => frameBytes(i, 24 * 32))));
    f.close();
  });
});

describe('compression options', () => {
  it('refuse unknown compressions and levels out of range, naming what is allowed', async () => {
    await expect(Hdf5Writer.open(tmpFile('x.rtdc'), { compression: 'lz4' as never })).rejects.toThrow(/unknown HDF5 compression "lz4": use gzip, zstd, none/);
    await expect(Hdf5Writer.open(tmpFile('x.rtdc'), { level: 10 })).rejects.toThrow(/gzip level must be an integer from 1 to 9, got 10/);
    await expect(Hdf5Writer.open(tmpFile('x.rtdc'), { compression: 'zstd', level: 23 })).rejects.toThrow(/zstd level must be an integer from 1 to 22, got 23/);
    await expect(Hdf5Writer.open(tmpFile('x.rtdc'), { compression: 'none', level: 3 })).rejects.toThrow(/without compression/);
    await expect(QueueHdf5Writer.open(tmpFile('x.rtdc'), { level: 0, features: [] })).rejects.toMatchObject({ code: 'EHDF5', message: expect.stringMatching(/gzip level/) });
  });
});

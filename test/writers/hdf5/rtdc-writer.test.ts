import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkRows, RtdcWriter } from '../../../host/writers/hdf5/rtdc-writer.js';
import { python } from '../../support/tools.js';

describe('RtdcWriter', () => {
  it('uses dcnum\'s chunk rule: about 1 MiB per chunk, 10 to 1000 events', () => {
    expect(chunkRows([240, 320], 'u1')).toBe(Math.floor(2 ** 20 / 76800));
    expect(chunkRows([240, 320], 'u1')).toBe(13);
    expect(chunkRows([480, 640], 'u1')).toBe(10);
    expect(chunkRows([], 'f8')).toBe(1000);
  });

  it('is a .part file until close() renames it, and buffered rows are all written', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-h5-')), 'x.rtdc');
    const w = await RtdcWriter.open(path, { compression: 'none' });
    w.requireFeature('image', [20, 30], 'u1');
    for (let i = 0; i < 27; i++) w.storeFeatureChunk('image', new Uint8Array(600).fill(i));
    w.setAttrs({ 'imaging:frame rate': 25, 'experiment:run index': 3n });
    expect(existsSync(`${path}.part`)).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(await w.close()).toEqual({ path, events: 27 });
    expect(existsSync(`${path}.part`)).toBe(false);
    const out = python(`import h5py, sys; d = h5py.File(sys.argv[1])['events/image']; print(d.shape, d.chunks, d.compression, int(d[26].max()))`, path).trim();
    expect(out).toBe(`(27, 20, 30) (1000, 20, 30) None 26`);
    const types = python(`import h5py, sys; a = h5py.File(sys.argv[1]).attrs; print(a['imaging:frame rate'].dtype, a['experiment:run index'].dtype, a['experiment:event count'].dtype)`, path).trim();
    expect(types).toBe('float64 int64 int64');
  });

  it('refuses attribute names dclab would reject, and rows of the wrong size', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omvd-h5-')), 'y.rtdc');
    const w = await RtdcWriter.open(path);
    expect(() => w.setAttrs({ 'board serial': 'x' })).toThrow(/must be "section:key".*user:board serial/);
    expect(() => w.setAttrs({ 'a:b:c': 1 })).toThrow(/section:key/);
    w.requireFeature('image', [2, 2], 'u1');
    expect(() => w.storeFeatureChunk('image', new Uint8Array(5))).toThrow(RangeError);
    expect(() => w.storeFeatureChunk('mask', new Uint8Array(4))).toThrow(/requireFeature/);
    await w.abort();
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(existsSync(path)).toBe(false);
  });
});

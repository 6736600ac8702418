import { describe, expect, it } from 'vitest';
import { Hdf5Writer } from '../../../host/writers/hdf5/hdf5-writer.js';
import { wrapLogLines } from '../../../host/writers/hdf5/rtdc-rules.js';
import { python } from '../../support/tools.js';
import { h5py, tmpFile } from './support.js';

describe('root attributes', () => {
  it('must be section:key with exactly one colon; an invalid name sets none of the batch', async () => {
    const path = tmpFile('attrs.rtdc');
    const w = await Hdf5Writer.open(path);
    for (const bad of ['board serial', 'a:b:c', ':key', 'user:']) {
      expect(() => w.setAttrs({ 'user:ok': 'x', [bad]: 1 })).toThrow(expect.objectContaining({ code: 'EHDF5ATTR' }));
    }
    expect(() => w.setAttrs({ 'board serial': 'x' })).toThrow(/"user:board serial"/);
    w.setAttrs({ 'user:board serial': 'H7-1234', 'imaging:roi size x': 320n, 'experiment:event count': 99 });
    w.setAttrs({ 'user:board serial': 'H7-9999' });
    w.close();
    const attrs = h5py<Record<string, [string, unknown]>>('print(json.dumps({k: [str(f.attrs.get_id(k).dtype), v.item() if hasattr(v, "item") else v] for k, v in f.attrs.items()}))', path);
    expect(attrs).toEqual({
      'user:board serial': ['object', 'H7-9999'],
      'imaging:roi size x': ['int64', 320],
      'experiment:event count': ['int64', 0],
    });
  });

  it('are taken from open()', async () => {
    const path = tmpFile('open-attrs.rtdc');
    await expect(Hdf5Writer.open(path, { attrs: { nocolon: 1 } })).rejects.toMatchObject({ code: 'EHDF5ATTR' });
    const w = await Hdf5Writer.open(path, { attrs: { 'experiment:sample': 'cells' } });
    w.close();
    expect(h5py<string>('print(json.dumps(f.attrs["experiment:sample"]))', path)).toBe('cells');
  });
});

describe('logs', () => {
  it('wraps lines at 100 UTF-8 bytes on character boundaries and splits embedded newlines', () => {
    const ascii = 'a'.repeat(250);
    expect(wrapLogLines([ascii]).map((l) => l.length)).toEqual([100, 100, 50]);
    const accents = 'é'.repeat(60); // 120 bytes
    expect(wrapLogLines([accents])).toEqual(['é'.repeat(50), 'é'.repeat(10)]);
    expect(wrapLogLines(['one\ntwo', ''])).toEqual(['one', 'two', '']);
  });

  it('are fixed-length 100-byte strings that h5py reads back, refused twice unless overridden', async () => {
    const path = tmpFile('logs.rtdc');
    const w = await Hdf5Writer.open(path);
    w.storeLog('camera', ['boot', 'x'.repeat(130), 'température 41 °C']);
    expect(() => w.storeLog('camera', ['again'])).toThrow(expect.objectContaining({ code: 'EHDF5EXISTS' }));
    w.storeLog('replaced', ['one', 'two', 'three']);
    w.storeLog('replaced', ['only'], true);
    w.storeLog('empty', []);
    w.close();
    const logs = h5py<Record<string, unknown>>(`
l = f["logs"]
print(json.dumps({k: [l[k].dtype.str, [x.decode() for x in l[k][:]], max([len(x) for x in l[k][:]] or [0])] for k in l}))`, path);
    expect(logs).toEqual({
      camera: ['|S100', ['boot', 'x'.repeat(100), 'x'.repeat(30), 'température 41 °C'], 100],
      replaced: ['|S100', ['only'], 4],
      empty: ['|S100', [], 0],
    });
  });
});

describe('tables and basins', () => {
  it('stores a table as a compound dataset with one field per column', async () => {
    const path = tmpFile('table.rtdc');
    const w = await Hdf5Writer.open(path);
    w.storeTable('board_temperature', { time: Float64Array.of(0, 0.5, 1), celsius: Float32Array.of(40.5, 41, 41.5), sample: BigUint64Array.of(7n, 8n, 9n) });
    expect(() => w.storeTable('bad', { a: Float64Array.of(1, 2), b: Float64Array.of(1) })).toThrow(/column b has 1 rows/);
    expect(() => w.storeTable('board_temperature', { a: Float64Array.of(1) })).toThrow(expect.objectContaining({ code: 'EHDF5EXISTS' }));
    w.close();
    const t = h5py<unknown>('t = f["tables/board_temperature"]; print(json.dumps([t.dtype.descr, t["time"].tolist(), t["celsius"].tolist(), t["sample"].tolist()]))', path);
    expect(t).toEqual([[['time', '<f8'], ['celsius', '<f4'], ['sample', '<u8']], [0, 0.5, 1], [40.5, 41, 41.5], [7, 8, 9]]);
  });

  it('stores a file basin as dcnum does: json.dumps(indent=2) lines under their md5', async () => {
    const path = tmpFile('basin.rtdc');
    const w = await Hdf5Writer.open(path);
    const basin = { name: 'rec_0001.bin', description: 'Aufnahme von Kamera Ü', format: 'openmv-imageio', paths: ['/data/cam/rec_0001.bin', 'rec_0001.bin'] };
    const key = w.storeBasin(basin);
    expect(w.storeBasin(basin)).toBe(key);
    w.close();
    // The same dict, serialised and hashed by Python the way dcnum's store_basin does it.
    const expected = python(`
import json, hashlib
d = {"description": "Aufnahme von Kamera \\u00dc", "name": "rec_0001.bin", "format": "openmv-imageio",
     "paths": ["/data/cam/rec_0001.bin", "rec_0001.bin"], "type": "file", "identifier": None}
print(hashlib.md5(json.dumps(d, indent=2).encode("utf-8")).hexdigest())`).trim();
    expect(key).toBe(expected);
    const stored = h5py<{ keys: string[]; dict: Record<string, unknown> }>(`
b = f["basins"]
k = list(b.keys())
print(json.dumps({"keys": k, "dict": json.loads(" ".join(x.decode() for x in b[k[0]][:]))}))`, path);
    expect(stored).toEqual({ keys: [expected], dict: { ...basin, type: 'file', identifier: null } });
  });
});

describe('features', () => {
  it('returns an existing feature\'s length, refuses a different shape or dtype, and keeps /events/index its own', async () => {
    const w = await Hdf5Writer.open(tmpFile('feat.rtdc'));
    expect(w.requireFeature('deform', [], 'f4')).toBe(0);
    w.storeFeatureChunk('deform', Float32Array.of(0.1, 0.2));
    expect(w.requireFeature('deform', [], 'f4')).toBe(2);
    expect(() => w.requireFeature('deform', [], 'f8')).toThrow(/exists as f4/);
    expect(() => w.requireFeature('index', [], 'u8')).toThrow(/written by the writer/);
    expect(() => w.storeFeatureChunk('index', BigUint64Array.of(1n))).toThrow(/written by the writer/);
    expect(() => w.storeFeatureChunk('deform', Float64Array.of(1))).toThrow(/pass a Float32Array/);
    expect(() => w.storeFeatureChunk('mask', new Uint8Array(4))).toThrow(/call requireFeature first/);
    w.requireFeature('image', [2, 3], 'u1');
    expect(() => w.storeFeatureChunk('image', new Uint8Array(7))).toThrow(/not a whole number of 2×3 items/);
    w.abort();
  });
});

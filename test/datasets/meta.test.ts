import { describe, expect, it } from 'vitest';
import { parseSessionSpec } from '../../host/capture/session-file.js';
import { metaFlag, metaObject, metaValue, tagMeta } from '../../host/datasets/meta.js';

const fail = (message: string): never => {
  throw new Error(message);
};

describe('dclab metadata from the user', () => {
  it('is typed as dclab converts each key: int64, float64, text, lower-case text', () => {
    expect(metaFlag('imaging:roi position x=8', fail)).toEqual(['imaging:roi position x', 8n]);
    expect(metaFlag('imaging:pixel size=0.34', fail)).toEqual(['imaging:pixel size', 0.34]);
    expect(metaFlag('setup:medium= CellCarrierB ', fail)).toEqual(['setup:medium', 'CellCarrierB']);
    expect(metaFlag('setup:chip region=Channel', fail)).toEqual(['setup:chip region', 'channel']);
    expect(metaFlag('setup:temperature=-2.5', fail)).toEqual(['setup:temperature', -2.5]);
    expect(metaFlag('user:note=a=b', fail)).toEqual(['user:note', 'a=b']);
    expect(metaValue('user:run', 7, fail)).toBe(7n);
    expect(tagMeta({ run: 7, gain: 1.5, dark: true, who: 'ana' })).toEqual({ 'user:run': 7n, 'user:gain': 1.5, 'user:dark': 'true', 'user:who': 'ana' });
  });

  it('refuses what dclab would warn about or check as wrong, saying why', () => {
    expect(() => metaFlag('setup:medium', fail)).toThrow(/section:key=value/);
    expect(() => metaFlag('setup:mediums=water', fail)).toThrow(/not a key of dclab's \[setup\].*user:mediums/);
    expect(() => metaFlag('fluorescence:laser count=1', fail)).toThrow(/experiment, imaging, setup or user/);
    expect(() => metaFlag('imaging:roi size x=320', fail)).toThrow(/frames themselves/);
    expect(() => metaFlag('imaging:roi position x=1.5', fail)).toThrow(/whole number/);
    expect(() => metaFlag('setup:flow rate=0', fail)).toThrow(/greater than 0/);
    expect(() => metaFlag('setup:medium=', fail)).toThrow(/empty/);
    expect(() => metaObject(['setup:medium'], () => fail)).toThrow(/must be an object/);
  });

  it('a session document carries it ("meta") and the HDF5 compression, each field checked by name', () => {
    const spec = parseSessionSpec({ cameras: [{ port: '/dev/x' }], meta: { 'setup:flow rate': 0.04 }, hdf5_compression: 'zstd' }, 's.json');
    expect(spec.meta).toEqual({ 'setup:flow rate': 0.04 });
    expect(spec.hdf5Compression).toBe('zstd');
    expect(() => parseSessionSpec({ cameras: [{ port: '/dev/x' }], meta: { 'setup:flow rate': 'fast' } }, 's.json')).toThrow(/s\.json: "meta\.setup:flow rate" must be a number/);
    expect(() => parseSessionSpec({ cameras: [{ port: '/dev/x' }], hdf5_compression: 'lz4' }, 's.json')).toThrow(/"hdf5_compression" must be one of gzip, zstd, none/);
  });
});

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ThreadedHdf5Writer } from '../../../host/writers/hdf5/threaded-writer.js';
import { acquireWorker, releaseWorker } from '../../../host/writers/hdf5/worker-thread.js';
import { frameBytes, h5py, sha256, tmpFile } from './support.js';

const W = 32;
const H = 24;

describe('ThreadedHdf5Writer', () => {
  it('writes groups of features as Hdf5Writer does, one call at a time, features of different lengths included', async () => {
    const path = tmpFile('groups.h5');
    const w = await ThreadedHdf5Writer.open(path, { attrs: { 'experiment:sample': 'two cameras' } });
    for (const cam of ['cam_a', 'cam_b']) {
      await w.requireFeature('image', [H, W], 'u1', cam);
      await w.requireFeature('frame', [], 'u8', cam);
      await w.requireFeature('missing', [], 'u8', cam);
    }
    for (let i = 0; i < 30; i++) {
      for (const [k, cam] of ['cam_a', 'cam_b'].entries()) {
        await w.storeFeatureChunk('image', frameBytes(100 * k + i, H * W), cam);
        await w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(2 * i + k)), cam);
      }
      if (i % 10 === 9) await w.storeFeatureChunk('missing', BigUint64Array.of(BigInt(i), BigInt(i + 1)), 'cam_b');
    }
    expect(await w.close()).toEqual({ path, events: 0 });
    expect(existsSync(`${path}.part`)).toBe(false);
    const out = h5py<Record<string, unknown>>(`
print(json.dumps({c: {"sha": hashlib.sha256(f[c]["image"][:].tobytes()).hexdigest(), "frame": f[c]["frame"][:].tolist(), "missing": f[c]["missing"][:].tolist()} for c in ("cam_a", "cam_b")} | {"sample": f.attrs["experiment:sample"]}))`, path);
    const frames = (k: number): Uint8Array[] => Array.from({ length: 30 }, (_, i) => frameBytes(100 * k + i, H * W));
    expect(out).toEqual({
      cam_a: { sha: sha256(...frames(0)), frame: Array.from({ length: 30 }, (_, i) => 2 * i), missing: [] },
      cam_b: { sha: sha256(...frames(1)), frame: Array.from({ length: 30 }, (_, i) => 2 * i + 1), missing: [9, 10, 19, 20, 29, 30] },
      sample: 'two cameras',
    });
  });

  it('a file of camera groups (rtdc: false) has no /events and no event count; each group gets its own attributes', async () => {
    const path = tmpFile('groups-attrs.h5');
    const w = await ThreadedHdf5Writer.open(path, { rtdc: false, attrs: { 'experiment:sample': 'two cameras' } });
    await w.requireFeature('frame', [], 'u8', 'cam_a');
    await w.storeFeatureChunk('frame', BigUint64Array.of(0n, 1n, 2n), 'cam_a');
    await w.setAttrs({ 'experiment:event count': 3n, 'imaging:frame rate': 30, 'setup:identifier': 'OpenMV a' }, 'cam_a');
    await w.setAttrs({ 'experiment:event count': 0n }, 'cam_b');
    await w.close();
    const out = h5py<Record<string, unknown>>(`
print(json.dumps({"keys": sorted(f.keys()), "root": sorted(f.attrs.keys()), "a": {k: [type(v).__name__, v.item() if hasattr(v, "item") else v] for k, v in f["cam_a"].attrs.items()}, "b": int(f["cam_b"].attrs["experiment:event count"])}))`, path);
    expect(out).toEqual({
      keys: ['cam_a', 'cam_b'],
      root: ['experiment:sample'],
      a: { 'experiment:event count': ['int64', 3], 'imaging:frame rate': ['float64', 30], 'setup:identifier': ['str', 'OpenMV a'] },
      b: 0,
    });
  });

  it('transfers arrays that own their buffer, and copies views the caller may reuse', async () => {
    const path = tmpFile('transfer.h5');
    const w = await ThreadedHdf5Writer.open(path);
    await w.requireFeature('image', [H, W], 'u1');
    const owned = frameBytes(0, H * W);
    const pool = new Uint8Array(3 * H * W).fill(7);
    await w.storeFeatureChunk('image', owned);
    await w.storeFeatureChunk('image', pool.subarray(H * W, 2 * H * W));
    pool.fill(9);
    await w.storeFeatureChunk('image', pool.subarray(0, H * W));
    await w.close();
    expect(owned.byteLength).toBe(0);
    expect(h5py<number[]>('print(json.dumps([int(f["events/image"][1].min()), int(f["events/image"][2].max())]))', path)).toEqual([7, 9]);
  });

  it('reports a mistake the thread finds on a later call and at close, leaving only the .part', async () => {
    const path = tmpFile('mistake.h5');
    const w = await ThreadedHdf5Writer.open(path);
    await w.requireFeature('time', [], 'f8');
    await w.storeFeatureChunk('area', Float64Array.of(1));
    await expect(w.close()).rejects.toMatchObject({ code: 'EHDF5', message: expect.stringContaining('/events/area was not created: call requireFeature first') });
    await expect(w.storeFeatureChunk('time', Float64Array.of(1))).rejects.toThrow(/area was not created/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
  });

  it('rejects what it can check at the call: attribute names and dtypes', async () => {
    const w = await ThreadedHdf5Writer.open(tmpFile('checks.h5'));
    await expect(w.setAttrs({ 'no colon': 1 })).rejects.toMatchObject({ code: 'EHDF5ATTR' });
    await expect(w.requireFeature('x', [], 'f16' as never)).rejects.toThrow(/unknown dtype f16/);
    await w.abort();
    await expect(w.storeFeatureChunk('x', Float64Array.of(1))).rejects.toMatchObject({ code: 'EABORTED' });
  });
});

describe('writer threads, kept for the next file', () => {
  it('are handed out again once a file is done', () => {
    const worker = acquireWorker();
    releaseWorker(worker);
    expect(acquireWorker()).toBe(worker);
    releaseWorker(worker);
  });

  it('write the next file intact after one that failed and one that was aborted', async () => {
    const failed = await ThreadedHdf5Writer.open(tmpFile('failed.h5'));
    await failed.storeFeatureChunk('area', Float64Array.of(1));
    await expect(failed.close()).rejects.toThrow(/area was not created/);
    const aborted = await ThreadedHdf5Writer.open(tmpFile('aborted.h5'));
    await aborted.requireFeature('image', [H, W], 'u1');
    for (let i = 0; i < 20; i++) void aborted.storeFeatureChunk('image', frameBytes(i, H * W)).catch(() => undefined);
    await aborted.abort();
    const path = tmpFile('next.h5');
    const next = await ThreadedHdf5Writer.open(path);
    await next.requireFeature('image', [H, W], 'u1');
    for (let i = 0; i < 20; i++) await next.storeFeatureChunk('image', frameBytes(i, H * W));
    await next.close();
    expect(h5py<string>('print(json.dumps(hashlib.sha256(f["events/image"][:].tobytes()).hexdigest()))', path)).toBe(sha256(...Array.from({ length: 20 }, (_, i) => frameBytes(i, H * W))));
  });
});

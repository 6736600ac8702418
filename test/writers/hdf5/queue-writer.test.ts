import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QueueHdf5Writer } from '../../../host/writers/hdf5/queue-writer.js';
import { frameBytes, h5py, sha256, tmpFile } from './support.js';

const W = 32;
const H = 24;
const features = [
  { name: 'image', itemShape: [H, W], dtype: 'u1' as const },
  { name: 'time', itemShape: [], dtype: 'f8' as const },
];

/** Settles within `ms`? (false while the promise is still pending) */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

describe('QueueHdf5Writer', () => {
  it('writes frames that arrive out of order in frame order, logging and returning the missing ones', async () => {
    const path = tmpFile('order.rtdc');
    const w = await QueueHdf5Writer.open(path, { features, firstFrame: 100, window: 8 });
    const arrival = [101, 100, 103, 102, 106, 104, 105, 109, 108, 107, 112, 111, 115, 113, 114];
    for (const f of arrival) await w.write(f, { image: frameBytes(f, H * W), time: f / 10 });
    const summary = await w.finish();
    const written = [...arrival].sort((a, b) => a - b);
    expect(summary).toEqual({ path, events: 15, missingFrames: [{ from: 110, to: 110 }] });
    expect(existsSync(`${path}.part`)).toBe(false);
    const out = h5py<Record<string, unknown>>(`
e = f["events"]
print(json.dumps({"frame": e["frame"][:].tolist(), "time": e["time"][:].tolist(), "index": e["index"][:].tolist(),
  "sha": hashlib.sha256(e["image"][:].tobytes()).hexdigest(), "count": int(f.attrs["experiment:event count"]),
  "missing": [x.decode() for x in f["logs/omvd-missing-frames"][:]]}))`, path);
    expect(out).toEqual({
      frame: written,
      time: written.map((f) => f / 10),
      index: written.map((_, i) => i + 1),
      sha: sha256(...written.map((f) => frameBytes(f, H * W))),
      count: 15,
      missing: ['frame numbers that never arrived (first-last, inclusive):', '110'],
    });
  });

  it('transfers arrays that own their buffer to the thread, and copies views into larger buffers', async () => {
    const path = tmpFile('transfer.rtdc');
    const w = await QueueHdf5Writer.open(path, { features });
    const owned = frameBytes(0, H * W);
    const pool = new Uint8Array(4 * H * W).fill(7);
    const view = pool.subarray(H * W, 2 * H * W);
    await w.write(0, { image: owned, time: 0 });
    await w.write(1, { image: view, time: 1 });
    pool.fill(9); // the caller reuses its buffer once write() has returned
    await w.finish();
    expect(owned.byteLength).toBe(0);
    expect(pool.byteLength).toBe(4 * H * W);
    expect(h5py<number[]>('print(json.dumps([int(f["events/image"][0].sum()) == ' + frameBytes(0, H * W).reduce((a, b) => a + b, 0) + ', int(f["events/image"][1].max())]))', path)).toEqual([true, 7]);
  });

  it('makes write() wait while the queue is full (backpressure)', async () => {
    const path = tmpFile('slow.rtdc');
    // 1000×1000 random frames at gzip 9: each 10-frame chunk keeps the thread busy for a good while.
    const big = [{ name: 'image', itemShape: [1000, 1000], dtype: 'u1' as const }];
    const w = await QueueHdf5Writer.open(path, { features: big, level: 9, queueSize: 2 });
    for (let f = 0; f < 10; f++) await w.write(f, { image: new Uint8Array(randomBytes(1_000_000)) });
    const pending = Array.from({ length: 8 }, (_, i) => w.write(10 + i, { image: new Uint8Array(randomBytes(1_000_000)) }));
    // While the thread compresses the first chunk, 4 messages are in flight and 2 queued: the rest must wait.
    expect(await settlesWithin(pending[1] as Promise<void>, 100)).toBe(true);
    expect(await settlesWithin(pending[7] as Promise<void>, 100)).toBe(false);
    await Promise.all(pending);
    expect((await w.finish()).events).toBe(18);
  });

  it('abort() stops at once, rejects pending writes, and leaves the .part', async () => {
    const path = tmpFile('abort.rtdc');
    const w = await QueueHdf5Writer.open(path, { features, queueSize: 1 });
    for (let f = 0; f < 5; f++) await w.write(f, { image: frameBytes(f, H * W), time: f });
    const settled = Promise.allSettled(Array.from({ length: 45 }, (_, i) => w.write(5 + i, { image: frameBytes(5 + i, H * W), time: 5 + i })));
    await w.abort();
    const rejected = (await settled).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(40);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'EABORTED', message: expect.stringContaining(`${path}.part`) });
    await expect(w.write(50, { image: frameBytes(50, H * W), time: 50 })).rejects.toMatchObject({ code: 'EABORTED' });
    await expect(w.finish()).rejects.toMatchObject({ code: 'EABORTED' });
    expect(existsSync(`${path}.part`)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('rejects bad events at the call, and reports errors from the thread on the next call', async () => {
    const path = tmpFile('errors.rtdc');
    const w = await QueueHdf5Writer.open(path, { features, window: 4 });
    await expect(w.write(0, { image: new Uint8Array(5), time: 0 })).rejects.toThrow(/image takes a Uint8Array of 768 values, got a Uint8Array of 5/);
    await expect(w.write(0, { image: frameBytes(0, H * W) })).rejects.toThrow(/no value for feature time/);
    await expect(w.write(0, { image: frameBytes(0, H * W), time: 0, area: 1 })).rejects.toThrow(/area is not one of the features/);
    await w.write(0, { image: frameBytes(0, H * W), time: 0 });
    await expect(w.write(0, { image: frameBytes(0, H * W), time: 0 })).rejects.toMatchObject({ code: 'EFRAMEORDER' });
    await expect(w.setAttrs({ 'no colon': 1 })).rejects.toMatchObject({ code: 'EHDF5ATTR' });
    // Column lengths are checked in the thread: the error aborts the file and surfaces on the next call.
    await w.storeTable('bad', { a: Float64Array.of(1, 2), b: Float64Array.of(1) });
    await expect(w.finish()).rejects.toThrow(/column b has 1 rows/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
  });

  it('fails open() when the file cannot be created', async () => {
    await expect(QueueHdf5Writer.open('/nonexistent-dir/x.rtdc', { features })).rejects.toMatchObject({ code: 'EHDF5', message: expect.stringContaining('/nonexistent-dir/x.rtdc.part') });
    await expect(QueueHdf5Writer.open(tmpFile('f.rtdc'), { features: [{ name: 'frame', itemShape: [], dtype: 'u8' }] })).rejects.toThrow(/written by QueueHdf5Writer itself/);
  });

  it('stores logs, tables, basins and attributes through the thread', async () => {
    const path = tmpFile('meta.rtdc');
    const w = await QueueHdf5Writer.open(path, { features, attrs: { 'experiment:sample': 'beads' } });
    await w.write(0, { image: frameBytes(0, H * W), time: 0 });
    await w.setAttrs({ 'imaging:frame rate': 30, 'user:board': 'H7' });
    await w.storeLog('omvd-session', ['started']);
    await expect(w.storeLog('omvd-session', ['twice'])).rejects.toMatchObject({ code: 'EHDF5EXISTS' });
    await w.storeTable('temps', { t: Float64Array.of(0, 1), c: Float64Array.of(40, 41) });
    const key = await w.storeBasin({ name: 'rec.bin', format: 'openmv-imageio', paths: ['rec.bin'] });
    await w.finish();
    expect(h5py<unknown>(`print(json.dumps([sorted(f.attrs.keys()), [x.decode() for x in f["logs/omvd-session"][:]], f["tables/temps"]["c"].tolist(), list(f["basins"].keys())]))`, path)).toEqual([
      ['experiment:event count', 'experiment:sample', 'imaging:frame rate', 'user:board'],
      ['started'],
      [40, 41],
      [key],
    ]);
  });
});

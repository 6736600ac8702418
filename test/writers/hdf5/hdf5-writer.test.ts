import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { describe, expect, it } from 'vitest';
import { loadH5 } from '../../../host/writers/hdf5/h5.js';
import { Hdf5Writer } from '../../../host/writers/hdf5/hdf5-writer.js';
import { chunkRows } from '../../../host/writers/hdf5/rtdc-rules.js';
import { tool } from '../../support/tools.js';
import { frameBytes, h5py, sha256, tmpFile } from './support.js';

const W = 320;
const H = 240;

async function writeFrames(path: string, n: number, options: Parameters<typeof Hdf5Writer.open>[1] = {}): Promise<Uint8Array[]> {
  const w = await Hdf5Writer.open(path, options);
  w.requireFeature('image', [H, W], 'u1');
  w.requireFeature('frame', [], 'u8');
  w.requireFeature('time', [], 'f8');
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    frames.push(frameBytes(i, H * W));
    w.storeFeatureChunk('image', frames[i] as Uint8Array);
    w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(100 + i)));
    w.storeFeatureChunk('time', Float64Array.of(i / 8));
  }
  w.storeLog('omvd-test', ['first line', 'second line']);
  w.setAttrs({ 'experiment:sample': 'bench', 'imaging:frame rate': 8, 'experiment:run index': 2n });
  expect(w.close()).toEqual({ path, events: n });
  return frames;
}

describe('chunk rule', () => {
  it('is dcnum\'s: floor(1 MiB / item bytes), clamped to 10..1000 rows', () => {
    expect(chunkRows([240, 320], 'u1')).toBe(13); // 1048576 / 76800 = 13.65
    expect(chunkRows([480, 640], 'u1')).toBe(10); // 3.41, raised to the minimum of 10
    expect(chunkRows([], 'f8')).toBe(1000); // 131072, capped at 1000
    expect(chunkRows([80, 250], 'u1')).toBe(52); // dcnum's own example
  });
});

describe('Hdf5Writer', () => {
  it('round-trips through h5wasm: images, frame numbers, times, index 1..N, event count', async () => {
    const path = tmpFile('rt.rtdc');
    const frames = await writeFrames(path, 30);
    await h5wasm.ready;
    const f = new h5wasm.File(path, 'r');
    const image = f.get('events/image') as InstanceType<typeof h5wasm.Dataset>;
    expect(image.shape).toEqual([30, H, W]);
    expect(sha256(image.value as Uint8Array)).toBe(sha256(...frames));
    expect([...((f.get('events/frame') as InstanceType<typeof h5wasm.Dataset>).value as BigUint64Array)]).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(100 + i)));
    expect([...((f.get('events/time') as InstanceType<typeof h5wasm.Dataset>).value as Float64Array)]).toEqual(Array.from({ length: 30 }, (_, i) => i / 8));
    expect([...((f.get('events/index') as InstanceType<typeof h5wasm.Dataset>).value as BigUint64Array)]).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i + 1)));
    expect(f.attrs['experiment:event count']?.value).toBe(30n);
    f.close();
  });

  it('is read by Debian\'s h5py: shapes, dtypes, image bytes, attributes, IMAGE attributes, logs, index', async () => {
    const path = tmpFile('py.rtdc');
    const frames = await writeFrames(path, 40);
    const out = h5py<Record<string, unknown>>(`
e = f["events"]
img = e["image"]
print(json.dumps({
  "keys": sorted(f.keys()), "events": sorted(e.keys()),
  "shape": list(img.shape), "dtype": str(img.dtype), "chunks": list(img.chunks), "compression": img.compression, "opts": img.compression_opts,
  "sha": hashlib.sha256(img[:].tobytes()).hexdigest(),
  "frame": [str(e["frame"].dtype), e["frame"][:3].tolist()], "time": [str(e["time"].dtype), e["time"][-1].item()],
  "index": [str(e["index"].dtype), bool((e["index"][:] == np.arange(1, 41)).all())],
  "image_attrs": {k: [img.attrs.get_id(k).dtype.char, img.attrs[k].decode()] for k in ("CLASS", "IMAGE_VERSION", "IMAGE_SUBCLASS")},
  "attrs": {k: [str(f.attrs.get_id(k).dtype), v.item() if hasattr(v, "item") else v] for k, v in f.attrs.items()},
  "log": [x.decode() for x in f["logs/omvd-test"][:]],
  "maxshape": list(e["time"].maxshape),
}))`, path);
    expect(out).toEqual({
      keys: ['events', 'logs'],
      events: ['frame', 'image', 'index', 'time'],
      shape: [40, H, W],
      dtype: 'uint8',
      chunks: [13, H, W],
      compression: 'gzip',
      opts: 1,
      sha: sha256(...frames),
      frame: ['uint64', [100, 101, 102]],
      time: ['float64', 39 / 8],
      index: ['uint64', true],
      image_attrs: { CLASS: ['S', 'IMAGE'], IMAGE_VERSION: ['S', '1.2'], IMAGE_SUBCLASS: ['S', 'IMAGE_GRAYSCALE'] },
      attrs: {
        'experiment:event count': ['int64', 40],
        'experiment:run index': ['int64', 2],
        'experiment:sample': ['object', 'bench'],
        'imaging:frame rate': ['float64', 8],
      },
      log: ['first line', 'second line'],
      maxshape: [null],
    });
  });

  it('shows chunking and the deflate filter to h5dump, and no filter without compression', async () => {
    const gz = tmpFile('gz.rtdc');
    await writeFrames(gz, 14);
    const header = tool('h5dump', ['-H', '-p', '-d', '/events/image', gz], 'hdf5-tools');
    expect(header).toContain('CHUNKED ( 13, 240, 320 )');
    expect(header).toContain('COMPRESSION DEFLATE { LEVEL 1 }');
    expect(header).toContain('( 14, 240, 320 ) / ( H5S_UNLIMITED, 240, 320 )');
    const plain = tmpFile('plain.rtdc');
    await writeFrames(plain, 2, { compression: 'none' });
    const plainHeader = tool('h5dump', ['-H', '-p', '-d', '/events/image', plain], 'hdf5-tools');
    expect(plainHeader).toContain('CHUNKED ( 13, 240, 320 )');
    expect(plainHeader).not.toContain('DEFLATE');
  });

  it('writes whole chunks only while open; the partial last chunk is written at close', async () => {
    const path = tmpFile('chunks.rtdc');
    const w = await Hdf5Writer.open(path);
    w.requireFeature('image', [H, W], 'u1');
    const rowsOnDisk = (): number => h5py<number>('print(f["events/image"].shape[0])', `${path}.part`);
    for (let i = 0; i < 12; i++) w.storeFeatureChunk('image', frameBytes(i, H * W));
    expect(rowsOnDisk()).toBe(0);
    w.storeFeatureChunk('image', frameBytes(12, H * W));
    expect(rowsOnDisk()).toBe(13);
    const many = new Uint8Array(14 * H * W);
    for (let i = 0; i < 14; i++) many.set(frameBytes(13 + i, H * W), i * H * W);
    w.storeFeatureChunk('image', many);
    expect(rowsOnDisk()).toBe(26);
    expect(w.requireFeature('image', [H, W], 'u1')).toBe(27);
    w.close();
    expect(h5py<number>('print(f["events/image"].shape[0])', path)).toBe(27);
  });

  it('lands rows given in pieces of any size, and views into larger buffers, in order across chunk boundaries', async () => {
    const path = tmpFile('pieces.rtdc');
    const w = await Hdf5Writer.open(path);
    w.requireFeature('image', [24, 32], 'u1');
    w.requireFeature('time', [], 'f8', 'omvd');
    const frames = Array.from({ length: 140 }, (_, i) => frameBytes(i, 24 * 32));
    const pool = new Uint8Array(frames.length * 24 * 32 + 5);
    frames.forEach((f, i) => pool.set(f, 5 + i * 24 * 32));
    const times = new Float64Array(2600).map((_, i) => i / 3);
    for (const [from, to] of [[0, 1], [1, 60], [60, 61], [61, 140]] as const) w.storeFeatureChunk('image', pool.subarray(5 + from * 24 * 32, 5 + to * 24 * 32));
    for (const [from, to] of [[0, 999], [999, 1001], [1001, 2600]] as const) w.storeFeatureChunk('time', times.subarray(from, to), 'omvd');
    w.storeFeatureChunk('time', new Float64Array(0), 'omvd');
    w.close();
    const f = new h5wasm.File(path, 'r');
    expect(sha256((f.get('events/image') as InstanceType<typeof h5wasm.Dataset>).value as Uint8Array)).toBe(sha256(...frames));
    expect([...((f.get('omvd/time') as InstanceType<typeof h5wasm.Dataset>).value as Float64Array)]).toEqual([...times]);
    f.close();
  });

  it('gives the WebAssembly heap its chunks back when a file is closed or aborted', async () => {
    const { module } = await loadH5();
    const once = async (i: number): Promise<void> => {
      const w = await Hdf5Writer.open(tmpFile(`heap-${i}.rtdc`), { compression: 'none' });
      w.requireFeature('image', [480, 640], 'u1');
      w.storeFeatureChunk('image', new Uint8Array(480 * 640));
      if (i % 2) w.abort();
      else w.close();
    };
    await once(0);
    const heap = module.HEAPU8.length;
    for (let i = 1; i <= 40; i++) await once(i);
    // 40 files × a 3 MB chunk would have grown it by 120 MB had the chunks been kept.
    expect(module.HEAPU8.length - heap).toBeLessThan(16 * 2 ** 20);
  });

  it('is <name>.part until close renames it, replacing the previous complete file only then', async () => {
    const path = tmpFile('swap.rtdc');
    writeFileSync(path, 'the previous complete file');
    const w = await Hdf5Writer.open(path, { compression: 'none' });
    w.requireFeature('time', [], 'f8');
    w.storeFeatureChunk('time', new Float64Array(1500));
    expect(existsSync(`${path}.part`)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('the previous complete file');
    w.close();
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(h5py<number>('print(f["events/time"].shape[0])', path)).toBe(1500);
  });

  it('does not publish a file whose /events features differ in length', async () => {
    const path = tmpFile('odd.rtdc');
    const w = await Hdf5Writer.open(path);
    w.requireFeature('time', [], 'f8');
    w.requireFeature('frame', [], 'u8');
    w.storeFeatureChunk('time', Float64Array.of(1, 2, 3));
    w.storeFeatureChunk('frame', BigUint64Array.of(1n, 2n));
    expect(() => w.close()).toThrow(expect.objectContaining({ code: 'EHDF5LENGTH', message: expect.stringMatching(/\/events\/time has 3, \/events\/frame has 2/) }));
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
  });

  it('leaves the .part on abort and refuses further use', async () => {
    const path = tmpFile('abort.rtdc');
    const w = await Hdf5Writer.open(path);
    w.requireFeature('time', [], 'f8');
    w.storeFeatureChunk('time', Float64Array.of(1));
    w.abort();
    expect(existsSync(`${path}.part`)).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(() => w.storeFeatureChunk('time', Float64Array.of(2))).toThrow(/already closed/);
  });
});

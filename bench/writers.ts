import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BlobChannel } from '../host/writers/channels/blob.js';
import { RawChannel } from '../host/writers/channels/raw.js';
import type { Hdf5Compression } from '../host/writers/hdf5/compression.js';
import { Hdf5Writer } from '../host/writers/hdf5/hdf5-writer.js';
import { ThreadedHdf5Writer } from '../host/writers/hdf5/threaded-writer.js';
import { chunkRows } from '../host/writers/hdf5/rtdc-rules.js';
import { RecordLog } from '../host/writers/records.js';
import { VideoWriter } from '../host/writers/video/video-writer.js';
import { renderFrame } from '../host/sim/scene.js';
import { fmt } from './measure.js';

const W = 320;
const H = 240;
const N = 240;
const DEBIAN_PYTHON = '/usr/bin/python3';

async function timed(run: () => Promise<void> | void): Promise<number> {
  const t = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const RUNS = 3;

/**
 * Seconds for h5py to write the same frames, same chunks, same gzip level, appended chunk by chunk as dcnum does
 * (`frames` is the raw file of them); timed inside Python, so neither the interpreter's start nor h5py's import
 * counts.
 */
function h5pySeconds(frames: string, out: string, rows: number, compression: 'gzip' | 'none'): number {
  const script = `
import sys, time, h5py, numpy
n, h, w, rows = ${N}, ${H}, ${W}, ${rows}
data = numpy.fromfile(sys.argv[1], dtype='u1').reshape(n, h, w)
t = time.perf_counter()
with h5py.File(sys.argv[2], 'w') as f:
    ds = f.create_dataset('events/image', shape=(0, h, w), maxshape=(None, h, w), dtype='u1', chunks=(rows, h, w), **({'compression': 'gzip', 'compression_opts': 1} if sys.argv[3] == 'gzip' else {}))
    for at in range(0, n, rows):
        part = data[at:at + rows]
        ds.resize(at + len(part), axis=0)
        ds[at:at + len(part)] = part
print(time.perf_counter() - t)
`;
  const r = spawnSync(DEBIAN_PYTHON, ['-c', script, frames, out, compression], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/writers needs Debian's python3-h5py (${DEBIAN_PYTHON}; apt-get install python3-h5py): ${r.stderr || r.error?.message}`);
  return Number(r.stdout.trim());
}

/** Seconds for omvd to write the frames into one .rtdc, open to close (fsync and rename included). */
async function omvdSeconds(frames: Uint8Array[], path: string, compression: Hdf5Compression): Promise<number> {
  return timed(async () => {
    const w = await Hdf5Writer.open(path, { compression });
    w.requireFeature('image', [H, W], 'u1');
    for (const f of frames) w.storeFeatureChunk('image', f);
    w.close();
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/**
 * omvd against h5py, file by file in turn (so a change in the machine's load falls on both), medians of RUNS, after
 * one untimed omvd file: h5wasm's load and WebAssembly's first, slower compile are once per process, like Python's
 * start and h5py's import. Also what that first file took longer, and the file sizes.
 */
async function againstH5py(frames: Uint8Array[], dir: string, rows: number, compression: 'gzip' | 'none') {
  const raw = join(dir, 'frames.u1');
  writeFileSync(raw, Buffer.concat(frames));
  const ours = join(dir, `omvd-${compression}.rtdc`);
  const theirs = join(dir, `h5py-${compression}.h5`);
  const first = await omvdSeconds(frames, ours, compression);
  const omvd: number[] = [];
  const h5py: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    omvd.push(await omvdSeconds(frames, ours, compression));
    h5py.push(h5pySeconds(raw, theirs, rows, compression));
  }
  return { omvdFps: N / median(omvd), pyFps: N / median(h5py), firstExtraMs: (first - median(omvd)) * 1000, bytes: statSync(ours).size };
}

/**
 * The longest the event loop goes without a turn while frames are written one by one, yielding between frames as
 * a capture does (what delays its ring reader): the median of RUNS files, after an untimed one.
 */
async function longestStall(frames: Uint8Array[], path: string, threaded: boolean): Promise<number> {
  const once = async (): Promise<number> => {
    let longest = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const t = performance.now();
      longest = Math.max(longest, t - last);
      last = t;
    }, 1);
    try {
      if (threaded) {
        const w = await ThreadedHdf5Writer.open(path);
        await w.requireFeature('image', [H, W], 'u1');
        // Copies: the writer takes (detaches) arrays that own their buffer, and the frames are used again.
        for (const f of frames) await w.storeFeatureChunk('image', f.slice());
        await w.close();
      } else {
        const w = await Hdf5Writer.open(path);
        w.requireFeature('image', [H, W], 'u1');
        for (const f of frames) {
          w.storeFeatureChunk('image', f);
          await new Promise(setImmediate);
        }
        w.close();
      }
    } finally {
      clearInterval(tick);
    }
    return longest;
  };
  await once();
  const stalls: number[] = [];
  for (let i = 0; i < RUNS; i++) stalls.push(await once());
  return median(stalls);
}

/**
 * bench/writers: frames per second into each writer, for 320×240 grayscale frames and for JPEG frames of the same
 * scene; HDF5 against h5py (same chunks and gzip level, same run; zstd, which Debian's h5py cannot write, against
 * gzip's file size), blob writes against plain fs.writeFile.
 */
export async function writers(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omvd-bench-writers-'));
  const lines: string[] = [];
  try {
    const gray = await Promise.all(Array.from({ length: N }, (_, i) => renderFrame(W, H, 'GRAYSCALE', i)));
    const jpegs = await Promise.all(gray.map((g) => sharp(g, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer().then((b) => new Uint8Array(b))));
    const rows = chunkRows([H, W], 'u1');

    const gzip = await againstH5py(gray, dir, rows, 'gzip');
    const uncompressed = await againstH5py(gray, dir, rows, 'none');
    lines.push(`writers hdf5 320×240 gray, gzip 1, chunks of ${rows}: omvd ${fmt(gzip.omvdFps, 0)} frames/s, h5py ${fmt(gzip.pyFps, 0)} frames/s, ratio ${fmt(gzip.omvdFps / gzip.pyFps, 2)}× (target ≥ 1.0×); the process's first file took ${fmt(gzip.firstExtraMs, 0)} ms more (h5wasm's load and first compile)`);
    lines.push(`writers hdf5 320×240 gray, no compression, chunks of ${rows}: omvd ${fmt(uncompressed.omvdFps, 0)} frames/s, h5py ${fmt(uncompressed.pyFps, 0)} frames/s, ratio ${fmt(uncompressed.omvdFps / uncompressed.pyFps, 2)}×`);
    const stalls = [await longestStall(gray, join(dir, 'stall.rtdc'), false), await longestStall(gray, join(dir, 'stall.rtdc'), true)];
    lines.push(`writers hdf5 gzip 1 frame by frame, longest event-loop stall: Hdf5Writer ${fmt(stalls[0] as number, 1)} ms (a chunk's gzip), ThreadedHdf5Writer ${fmt(stalls[1] as number, 1)} ms`);
    const zstd = join(dir, 'omvd-zstd.rtdc');
    await omvdSeconds(gray, zstd, 'zstd');
    const zstdTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) zstdTimes.push(await omvdSeconds(gray, zstd, 'zstd'));
    const zstdFps = N / median(zstdTimes);
    lines.push(`writers hdf5 320×240 gray, zstd 5 (dcnum's filter): omvd ${fmt(zstdFps, 0)} frames/s, ${fmt(zstdFps / gzip.pyFps, 2)}× h5py's gzip 1; file ${fmt((100 * statSync(zstd).size) / gzip.bytes, 0)}% of gzip 1's`);

    await mkdir(join(dir, 'plain'));
    const plain = await timed(async () => {
      for (let i = 0; i < N; i++) await writeFile(join(dir, 'plain', `${String(i).padStart(6, '0')}.jpg`), jpegs[i]!);
    });
    const blob = await timed(async () => {
      const ch = new BlobChannel(join(dir, 'blob'), 'u1', [H, W], { ext: 'jpg' });
      for (const j of jpegs) await ch.write([j], { append: true });
      await ch.close();
    });
    lines.push(`writers blob (jpg) one JPEG per frame: omvd ${fmt(N / blob, 0)} frames/s, fs.writeFile ${fmt(N / plain, 0)} frames/s, ratio ${fmt(plain / blob, 2)}×`);

    for (const [label, frames] of [['gray', gray], ['JPEG', jpegs]] as const) {
      const rawS = await timed(async () => {
        const ch = new RawChannel(join(dir, `raw-${label}`), 'u1', []);
        await writeFile(ch.path, new Uint8Array(0));
        for (const f of frames) await ch.write(f, { append: true });
      });
      const aviS = await timed(async () => {
        const v = new VideoWriter(join(dir, `${label}.avi`), 30);
        for (const f of frames) await v.append(label === 'gray' ? { width: W, height: H, pixformat: 0x08020001, data: f } : f);
        await v.close();
      });
      const logS = await timed(async () => {
        const log = new RecordLog(join(dir, `${label}.jsonl`));
        for (let i = 0; i < frames.length; i++) await log.append({ frame: i, data: frames[i]! });
      });
      lines.push(`writers ${label.padEnd(4)} frames/s: raw channel ${fmt(N / rawS, 0)}, video (AVI${label === 'gray' ? ', JPEG-encoded' : ''}) ${fmt(N / aviS, 0)}, record log ${fmt(N / logS, 0)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo, Pixformat } from '../../protocol/imageio/index.js';
import { RecordLog } from '../../host/writers/records.js';
import { readSensorMeta } from '../../host/writers/roverd/meta.js';
import { omvd, python, tool } from '../support/tools.js';
import { expectJsonStyle } from '../capture/json-style.js';

const W = 32;
const H = 24;
const N = 12;
const ELAPSED = [0, 40, 40, 41, 39, 40, 40, 40, 42, 38, 40, 40];
/** Frame i is a flat gray of value 10·i + 5. */
const recording = encodeImageIo(ELAPSED.map((elapsedMs, i) => ({ elapsedMs, width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(W * H).fill(10 * i + 5) })));
const START = 1_790_000_000;

describe('omvd export', () => {
  let dir: string;
  let json: { ok: boolean; recordings: { frames: number; exported: Record<string, number>; damage?: string; outputs: { format: string; path: string }[] }[] };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'omvd-export-'));
    writeFileSync(join(dir, 'rec.bin'), recording);
    const r = omvd(['export', join(dir, 'rec.bin'), '--to', 'hdf5', 'blob', '--start-time', String(START), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    json = expectJsonStyle(r.stdout) as typeof json;
  }, 60_000);

  it('reports what it wrote as JSON', () => {
    expect(json.ok).toBe(true);
    expect(json.recordings[0]).toMatchObject({ frames: N, exported: { hdf5: N, blob: N } });
    expect(json.recordings[0]!.outputs.map((o) => o.path)).toEqual([join(dir, 'rec.rtdc'), join(dir, 'rec')]);
  });

  it('writes an .rtdc file that h5py reads: images, frame numbers, times, 1-based index, attributes', () => {
    const out = python(
      `import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
e = f['events']
print(json.dumps({
  'shape': list(e['image'].shape), 'dtype': str(e['image'].dtype),
  'means': [float(x.mean()) for x in e['image'][:]],
  'frame': e['frame'][:].tolist(), 'index': e['index'][:].tolist(), 'time': e['time'][:].tolist(),
  'count': int(f.attrs['experiment:event count']), 'roi': [int(f.attrs['imaging:roi size x']), int(f.attrs['imaging:roi size y'])],
  'class': e['image'].attrs['CLASS'].decode(), 'keys': sorted(f.keys()),
  'source': f.attrs['user:source'],
}))`,
      join(dir, 'rec.rtdc'),
    );
    const got = JSON.parse(out);
    expect(got.shape).toEqual([N, H, W]);
    expect(got.dtype).toBe('uint8');
    expect(got.means).toEqual(Array.from({ length: N }, (_, i) => 10 * i + 5));
    expect(got.frame).toEqual([...Array(N).keys()]);
    expect(got.index).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const cumulative = ELAPSED.map((_, i) => ELAPSED.slice(1, i + 1).reduce((a, b) => a + b, 0) / 1000);
    got.time.forEach((t: number, i: number) => expect(t).toBeCloseTo(cumulative[i]!, 9));
    expect(got.count).toBe(N);
    expect(got.roi).toEqual([W, H]);
    expect(got.class).toBe('IMAGE');
    expect(got.keys).toEqual(['events', 'logs', 'omvd']);
    expect(got.source).toBe('rec.bin'); // beside it
  });

  it('h5dump (HDF5 1.10) reads it and shows gzip-compressed chunks', () => {
    const header = tool('h5dump', ['-H', '-p', '-d', '/events/image', join(dir, 'rec.rtdc')], 'hdf5-tools');
    expect(header).toMatch(/DATASPACE\s+SIMPLE \{ \( 12, 24, 32 \) \/ \( H5S_UNLIMITED, 24, 32 \) \}/);
    expect(header).toMatch(/COMPRESSION DEFLATE/);
  });

  it('writes a roverd trace: strict meta.json, ts in epoch seconds, one JPEG per frame, raw channels', async () => {
    const sensor = join(dir, 'rec', 'camera');
    readFileSync(join(dir, 'rec', 'config.yaml'));
    const meta = await readSensorMeta(sensor);
    expect(Object.keys(meta).sort()).toEqual(['camera_ms', 'elapsed_ms', 'frame', 'frames', 'ts', 'video.avi']);
    expect(meta.frames).toEqual({ format: 'jpg', type: 'u1', shape: [H, W, 3], desc: expect.any(String) });
    const arrays = JSON.parse(
      python(
        `import numpy, json, sys
print(json.dumps({'ts': numpy.fromfile(sys.argv[1] + '/ts', '<f8').tolist(), 'frame': numpy.fromfile(sys.argv[1] + '/frame', '<u4').tolist(), 'elapsed': numpy.fromfile(sys.argv[1] + '/elapsed_ms', '<u4').tolist()}))`,
        sensor,
      ),
    );
    expect(arrays.frame).toEqual([...Array(N).keys()]);
    expect(arrays.elapsed).toEqual(ELAPSED);
    expect(arrays.ts[0]).toBe(START);
    expect(arrays.ts[N - 1] - arrays.ts[0]).toBeCloseTo(ELAPSED.slice(1).reduce((a, b) => a + b, 0) / 1000, 6);
    const blobs = readdirSync(join(sensor, 'frames'));
    expect(blobs).toEqual(Array.from({ length: N }, (_, i) => `${String(i).padStart(6, '0')}.jpg`));
    const { data, info } = await sharp(join(sensor, 'frames', '000007.jpg')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([W, H]);
    expect(Math.abs(data[0]! - 75)).toBeLessThanOrEqual(2);
  });

  it('writes a record log with one record per frame and its stored bytes', async () => {
    const r = omvd(['export', join(dir, 'rec.bin'), '--to', 'records', '--start-time', String(START)]);
    expect(r.status).toBe(0);
    const records = (await RecordLog.loadAll(join(dir, 'rec.jsonl'))) as Record<string, unknown>[];
    expect(records).toHaveLength(N + 1);
    expect(records[0]).toMatchObject({ recording: 'rec.bin', frames: N, start_time: START });
    expect(records[5]).toMatchObject({ seq: 4, elapsed_ms: 39, width: W, height: H, pixformat: 'GRAYSCALE', data: new Uint8Array(W * H).fill(45) });
  });

  it('writes an MJPEG AVI at the recording\'s mean frame rate that ffprobe counts frame by frame', () => {
    expect(omvd(['export', join(dir, 'rec.bin'), '--to', 'video']).status).toBe(0);
    const stream = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', join(dir, 'rec.avi')], 'ffmpeg')).streams[0];
    // 11 intervals over 440 ms: 25 fps.
    expect(stream).toMatchObject({ codec_name: 'mjpeg', width: W, height: H, nb_read_frames: String(N), avg_frame_rate: '25/1' });
  });

  it('leaves a complete output alone on a re-run, and replaces it with --force', { timeout: 120_000 }, () => {
    const again = omvd(['export', join(dir, 'rec.bin'), '--to', 'hdf5', '--json']);
    expect(again.status).toBe(0);
    expect(expectJsonStyle(again.stdout).recordings).toMatchObject([{ outputs: [{ format: 'hdf5', path: join(dir, 'rec.rtdc'), status: 'complete' }] }]);
    const forced = omvd(['export', join(dir, 'rec.bin'), '--to', 'hdf5', '--force', '--json']);
    expect(forced.status).toBe(0);
    expect(expectJsonStyle(forced.stdout).recordings).toMatchObject([{ outputs: [{ format: 'hdf5', status: 'exported', frames: N }] }]);
  });

  it('exports every complete frame of a truncated recording and says what was cut', () => {
    const cutDir = mkdtempSync(join(tmpdir(), 'omvd-cut-'));
    // Cut 100 bytes into frame 9's data: frames 0..8 are whole. Each record is 32 + 768 bytes.
    writeFileSync(join(cutDir, 'cut.bin'), recording.subarray(0, 16 + 9 * 800 + 32 + 100));
    const r = omvd(['export', cutDir, '--to', 'hdf5', '--json']);
    expect(r.status).toBe(0);
    const summary = (expectJsonStyle(r.stdout).recordings as { frames: number; damage?: string; exported: Record<string, number>; skipped: unknown[] }[])[0]!;
    expect(summary.frames).toBe(9);
    expect(summary.damage).toMatch(/incomplete record \(data cut, 668 bytes missing\)/);
    expect(python(`import h5py, sys; print(h5py.File(sys.argv[1])['events/image'].shape[0])`, join(cutDir, 'cut.rtdc')).trim()).toBe('9');
  });

  it('says clearly when the input is not a recording', () => {
    const badDir = mkdtempSync(join(tmpdir(), 'omvd-bad-'));
    writeFileSync(join(badDir, 'notes.bin'), 'hello, this is not an ImageIO stream');
    const r = omvd(['export', join(badDir, 'notes.bin'), '--json']);
    expect(r.status).toBe(1);
    const message = expect.stringMatching(/notes\.bin is not an OpenMV ImageIO recording: .*not an OpenMV ImageIO stream/);
    expect(expectJsonStyle(r.stdout)).toEqual({ ok: false, error: { code: 'EFORMAT', message }, recordings: [], failed: [{ source: join(badDir, 'notes.bin'), code: 'EFORMAT', error: message }] });
  });
});

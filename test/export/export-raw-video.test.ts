import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo, Pixformat } from '../../protocol/imageio/index.js';
import { openTrace } from '../../host/writers/roverd/reader.js';
import { readSensorMeta } from '../../host/writers/roverd/meta.js';
import { omvd, python, tool } from '../support/tools.js';
import { expectJsonStyle } from '../capture/json-style.js';

const W = 16;
const H = 12;

describe('omvd export --to raw, and traces with video.avi', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'omvd-export-raw-'));
    writeFileSync(join(dir, 'gray.bin'), encodeImageIo(Array.from({ length: 6 }, (_, i) => ({ elapsedMs: 50, width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(W * H).fill(i * 20) }))));
    // Pure red in little-endian RGB565 (0xF800), then one frame of another size.
    const red = new Uint8Array(W * H * 2);
    for (let i = 0; i < W * H; i++) red.set([0x00, 0xf8], i * 2);
    writeFileSync(join(dir, 'red.bin'), encodeImageIo([...Array(3)].map(() => ({ elapsedMs: 40, width: W, height: H, pixformat: Pixformat.RGB565, data: red })).concat([{ elapsedMs: 40, width: 8, height: 8, pixformat: Pixformat.RGB565, data: new Uint8Array(128) }])));
  });

  it('gray frames become one raw u1 channel of H×W samples that numpy reads back exactly', async () => {
    const r = omvd(['export', join(dir, 'gray.bin'), '--to', 'raw', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const sensor = join(dir, 'gray-raw', 'camera');
    expect((await readSensorMeta(sensor)).frames).toEqual({ format: 'raw', type: 'u1', shape: [H, W], desc: expect.any(String) });
    const means = JSON.parse(python(`import numpy, sys, json; a = numpy.fromfile(sys.argv[1] + '/frames', 'u1').reshape(-1, ${H}, ${W}); print(json.dumps([int(x) for x in a.mean(axis=(1, 2))]))`, sensor));
    expect(means).toEqual([0, 20, 40, 60, 80, 100]);
    const trace = await openTrace(join(dir, 'gray-raw'));
    const camera = await trace.sensor('camera');
    expect(await camera.length()).toBe(6);
    const { data, shape } = await (camera.channel('frames') as import('../../host/writers/channels/raw.js').RawChannel).read(3, 1);
    expect(shape).toEqual([1, H, W]);
    expect([...new Set(data as Uint8Array)]).toEqual([60]);
  });

  it('colour frames become H×W×3 RGB; a frame of another size is skipped and reported', async () => {
    const r = omvd(['export', join(dir, 'red.bin'), '--to', 'raw', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const summary = (expectJsonStyle(r.stdout).recordings as { frames: number; damage?: string; exported: Record<string, number>; skipped: unknown[] }[])[0]!;
    expect(summary.exported.raw).toBe(3);
    expect(summary.skipped).toEqual([{ format: 'raw', frame: 3, reason: expect.stringMatching(/8×8.*16×12/) }]);
    const pixel = JSON.parse(python(`import numpy, sys, json; a = numpy.fromfile(sys.argv[1] + '/frames', 'u1').reshape(-1, ${H}, ${W}, 3); print(json.dumps([a.shape[0]] + a[2, 5, 7].tolist()))`, join(dir, 'red-raw', 'camera')));
    expect(pixel).toEqual([3, 255, 0, 0]);
  });

  it('--trace-video adds camera/video.avi, roverd\'s mjpg channel, with one frame per ts sample', async () => {
    const r = omvd(['export', join(dir, 'gray.bin'), '--to', 'blob', '--trace-video']);
    expect(r.status, r.stderr).toBe(0);
    const sensor = join(dir, 'gray', 'camera');
    expect((await readSensorMeta(sensor))['video.avi']).toEqual({ format: 'mjpg', type: 'u1', shape: [H, W, 3], desc: expect.any(String) });
    const stream = JSON.parse(tool('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', join(sensor, 'video.avi')], 'ffmpeg')).streams[0];
    expect(stream).toMatchObject({ codec_name: 'mjpeg', width: W, height: H, nb_read_frames: '6' });
    // omvd's own reader reads raw and blob channels; for the video it points to roverd.
    const camera = await (await openTrace(join(dir, 'gray'))).sensor('camera');
    expect(() => camera.channel('video.avi')).toThrow(/mjpg channels; open it with roverd/);
  });
});

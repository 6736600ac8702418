import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo, Pixformat } from '../../protocol/imageio/index.js';
import { RecordLog } from '../../host/writers/records.js';
import { readSensorMeta } from '../../host/writers/roverd/meta.js';
import { CHILD_TIMEOUT_MS, DEBIAN_PYTHON, omvd, python, REPO } from '../support/tools.js';
import { badAttrs, h5Attrs, IMPORTANT_KEYS, SETUP_KEYS, SETUP_META } from './rtdc-dclab.js';

const W = 32;
const H = 24;
const N = 9;
const recording = encodeImageIo(Array.from({ length: N }, (_, i) => ({ elapsedMs: i === 0 ? 0 : 50, width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(W * H).fill(20 * i) })));

/** Runs a snippet that reads with OpenCV, as roverd's mjpg channel does; fails loudly without Debian's python3-opencv. */
function opencv(code: string, ...args: string[]): string {
  const check = spawnSync(DEBIAN_PYTHON, ['-c', 'import cv2'], { timeout: CHILD_TIMEOUT_MS });
  if (check.status !== 0) throw new Error(`${DEBIAN_PYTHON} with OpenCV is required (apt-get install python3-opencv; .ci/run does): ${check.stderr}`);
  return python(code, ...args);
}

/** `rel` from the folder of `file`, as dclab (and a user who moved both folders together) resolves it. */
const resolvesFrom = (file: string, rel: string): string => resolve(dirname(file), rel);

describe('omvd export: datasets dclab and roverd open as they are', () => {
  const work = mkdtempSync(join(tmpdir(), 'omvd-export-datasets-'));
  const source = join(work, 'in', 'x.bin');
  const out = join(work, 'out');

  beforeAll(() => {
    mkdirSync(dirname(source));
    writeFileSync(source, recording);
    // Relative paths, as a user types them: `omvd export in/x.bin --out out/`.
    const r = omvd(['export', relative(REPO, source), '--to', 'hdf5', 'blob', 'records', '--out', `${relative(REPO, out)}/`, '--start-time', '1790000000']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 60_000);

  it('.rtdc: every root attribute is a dclab key of dclab\'s type (integer roi positions), no basin dclab cannot open', () => {
    const file = join(out, 'x.rtdc');
    const h = h5Attrs(file);
    expect(badAttrs(h)).toEqual([]);
    expect(h.attrs['imaging:roi position x']).toEqual(['int64', 0]);
    expect(h.attrs['imaging:roi position y']).toEqual(['int64', 0]);
    expect(h.keys).not.toContain('basins'); // dclab warns "Ignored basin of format" for any basin it cannot open
  });

  it('.rtdc: omvd fills every key it knows; only the user\'s setup is missing of what dclab\'s check requires', () => {
    const { attrs } = h5Attrs(join(out, 'x.rtdc'));
    expect(IMPORTANT_KEYS.filter((k) => !(k in attrs))).toEqual(SETUP_KEYS);
    expect(attrs['experiment:event count']![1]).toBe(N);
    expect(attrs['experiment:date']![1]).toBe('2026-09-21');
    expect(attrs['experiment:time']![1]).toMatch(/^\d\d:\d\d:\d\d(\.\d+)?$/);
    expect(attrs['imaging:frame rate']![1]).toBeCloseTo(20, 9);
    expect([attrs['imaging:roi size x']![1], attrs['imaging:roi size y']![1]]).toEqual([W, H]);
    expect(attrs['setup:software version']![1]).toMatch(/^omvd \d+\.\d+\.\d+/);
    expect(attrs['experiment:run identifier']![1]).toMatch(/^omvd-[0-9a-f]{16}$/);
  });

  it('every output names its recording by a path that resolves from the output\'s own folder', async () => {
    const rtdc = join(out, 'x.rtdc');
    const rel = h5Attrs(rtdc).attrs['user:source']![1] as string;
    expect(rel).toBe('../in/x.bin');
    expect(resolvesFrom(rtdc, rel)).toBe(source);
    const config = readFileSync(join(out, 'x', 'config.yaml'), 'utf8');
    expect(resolvesFrom(join(out, 'x', 'config.yaml'), /^"?source"?: "?([^"\n]+)"?$/m.exec(config)![1]!)).toBe(source);
    const side = join(out, 'x', 'camera', 'openmv.json');
    expect(resolvesFrom(side, JSON.parse(readFileSync(side, 'utf8')).source)).toBe(source);
    const header = await RecordLog.load(join(out, 'x.jsonl'));
    expect(resolvesFrom(join(out, 'x.jsonl'), header.source as string)).toBe(source);
    expect(existsSync(resolvesFrom(rtdc, rel))).toBe(true);
  });

  it('the default trace has camera/video.avi, roverd\'s mjpg channel, which OpenCV reads frame for frame as ts counts', async () => {
    const sensor = join(out, 'x', 'camera');
    expect((await readSensorMeta(sensor))['video.avi']).toEqual({ format: 'mjpg', type: 'u1', shape: [H, W, 3], desc: expect.any(String) });
    const got = JSON.parse(
      opencv(
        `import cv2, numpy, json, sys
cap = cv2.VideoCapture(sys.argv[1] + '/video.avi')
shapes = []
while True:
    ok, frame = cap.read()
    if not ok: break
    shapes.append(list(frame.shape))
print(json.dumps({'shapes': shapes, 'ts': len(numpy.fromfile(sys.argv[1] + '/ts', '<f8'))}))`,
        sensor,
      ),
    );
    expect(got.shapes).toEqual(Array(N).fill([H, W, 3]));
    expect(got.ts).toBe(N);
  });

  it('with the user\'s setup (--meta) nothing dclab requires is missing; chip region is stored lower case', () => {
    const file = join(work, 'full.rtdc');
    const r = omvd(['export', source, '--to', 'hdf5', '--out', file, ...SETUP_META.flatMap((m) => ['--meta', m]), '--meta', 'user:operator=ana']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const h = h5Attrs(file);
    expect(IMPORTANT_KEYS.filter((k) => !(k in h.attrs))).toEqual([]);
    expect(badAttrs(h)).toEqual([]);
    expect(h.attrs['setup:chip region']).toEqual(['str', 'channel']);
    expect(h.attrs['imaging:pixel size']).toEqual(['float64', 0.34]);
    expect(h.attrs['user:operator']).toEqual(['str', 'ana']);
  }, 60_000);

  it('refuses metadata dclab does not know, or that the frames decide, naming the key (exit 2)', () => {
    for (const [meta, message] of [
      ['setup:colour=red', /setup:colour.*not a key of dclab's \[setup\].*medium/],
      ['experiment:event count=3', /event count.*frames themselves/],
      ['imaging:pixel size=big', /pixel size must be a number/],
      ['medium=water', /section:key/],
    ] as const) {
      const r = omvd(['export', source, '--to', 'hdf5', '--out', join(work, 'never.rtdc'), '--meta', meta, '--json']);
      expect(r.status, meta).toBe(2);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'EUSAGE', message: expect.stringMatching(message) });
    }
    expect(existsSync(join(work, 'never.rtdc'))).toBe(false);
  }, 60_000);
});

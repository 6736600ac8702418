import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { RecordLog } from '../../host/writers/records.js';
import { busyCores } from '../support/busy.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * Every core is kept busy by other processes while the commands run, as on a loaded lab machine. The virtual
 * camera runs at a higher priority: it stands for a camera's own processor, which the host's load does not slow.
 */
describe('sync, capture and view with both cores saturated', () => {
  const work = mkdtempSync(join(tmpdir(), 'omvd-busy-'));
  const frame = new Uint8Array(320 * 240);
  const frames = Array.from({ length: 600 }, (_, i) => ({ elapsedMs: 33, width: 320, height: 240, pixformat: Pixformat.GRAYSCALE, data: frame.map((_, j) => (i * 7 + j) & 0xff) }));
  const recording = encodeImageIo(frames); // ≈ 46 MB
  let sim: SimProcess;
  let busy: { stop(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(join(work, 'sd'));
    writeFileSync(join(work, 'sd', 'rec_0001.bin'), recording);
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--board', 'RT1062'], { nice: -10 });
    busy = busyCores(3);
  });

  afterAll(async () => {
    await busy?.stop();
    await sim?.stop();
  });

  it('sync --once copies a 46 MB recording byte-identical', () => {
    const root = join(work, 'data');
    const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export'], {}, 600_000);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(r.stdout).synced.map((s: { name: string }) => s.name)).toEqual(['rec_0001.bin']);
    expect(sha(readFileSync(join(root, sim.id, 'rec_0001.bin')))).toBe(sha(recording));
  }, 600_000);

  it('capture accounts for every frame: each one stored or counted missing', async () => {
    const out = join(work, 'cap.jsonl');
    const r = omvd(['capture', '--port', sim.path, '--duration', '3s', '--fps', '20', '--to', `records:${out}`, '--json']);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const cam = JSON.parse(r.stdout).cameras[0];
    expect(cam.frames).toBeGreaterThan(2); // how many the camera made depends on the machine; that each is accounted for does not
    const records = (await RecordLog.loadAll(out)).filter((rec) => 'seq' in rec);
    const stored = records.filter((rec) => !rec.missing);
    expect(stored.length).toBe(cam.frames);
    expect(records.filter((rec) => rec.missing).length).toBe(cam.dropped);
    expect(records.map((rec) => rec.seq)).toEqual(records.map((_, i) => i)); // none absent: each seq stored or marked missing
  }, 120_000);

  it('view serves live frames until Ctrl-C', async () => {
    const view = spawnOmvd(['view', '--port', sim.path, '--listen', '127.0.0.1:0', '--json']);
    try {
      await waitFor(() => view.stdout().includes('\n') || view.child.exitCode !== null, 'omvd view to print its URL');
      const url = JSON.parse(view.stdout().split('\n')[0]!).url as string;
      const frames = async (): Promise<number> => {
        const status = (await fetch(new URL('status', url)).then((r) => r.json()).catch(() => ({ cameras: [] }))) as { cameras: { frames: number }[] };
        return status.cameras[0]?.frames ?? 0;
      };
      await waitFor(async () => (await frames()) >= 20, 'twenty live frames');
      expect(view.child.exitCode).toBeNull();
    } finally {
      expect(await view.stop()).toBe(0);
    }
  }, 120_000);
});

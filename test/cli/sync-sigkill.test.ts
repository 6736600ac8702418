import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('the host killed with SIGKILL mid-sync', () => {
  let sim: SimProcess;
  const work = mkdtempSync(join(tmpdir(), 'omvd-sigkill-'));
  const frames = Array.from({ length: 500 }, (_, i) => ({ elapsedMs: 33, width: 320, height: 240, pixformat: Pixformat.GRAYSCALE, data: Uint8Array.from({ length: 320 * 240 }, (_, j) => (i + j * 13) & 0xff) }));
  const recording = encodeImageIo(frames); // ≈ 38 MB

  beforeAll(async () => {
    mkdirSync(join(work, 'sd'));
    writeFileSync(join(work, 'sd', 'rec_0001.bin'), recording);
    // 38 MB: a high-speed camera, as an H7's full-speed USB (1 MB/s) would take the test's whole time to carry it.
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--board', 'RT1062']);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('a restart finishes the file, identical to the camera\'s, from where the verified bytes end', async () => {
    const root = join(work, 'data');
    const partial = join(root, sim.id, '.partial', 'rec_0001.bin');
    const sync = spawnOmvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
    await waitFor(() => existsSync(partial) && statSync(partial).size > 6_000_000, 'the partial copy to pass 6 MB', 60_000, 20);
    const atKill = statSync(partial).size;
    expect(await sync.stop('SIGKILL')).toBe('SIGKILL');
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(recording.length);
    expect(existsSync(join(root, sim.id, 'rec_0001.bin'))).toBe(false); // never published unverified
    const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
    expect(r.status, r.stderr).toBe(0);
    const synced = JSON.parse(r.stdout).synced[0];
    expect(synced.resumedFrom).toBeGreaterThan(0);
    expect(sha(readFileSync(join(root, sim.id, 'rec_0001.bin')))).toBe(sha(recording));
  }, 60_000);
});

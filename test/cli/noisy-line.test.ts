import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { noisyPty } from '../support/noisy-link.js';
import { startSim } from '../support/sim-process.js';
import { spawnOmvd } from '../support/tools.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function recording(frames: number, w: number, h: number, salt: number): Uint8Array {
  return encodeImageIo(Array.from({ length: frames }, (_, i) => ({ elapsedMs: 33, width: w, height: h, pixformat: Pixformat.GRAYSCALE, data: Uint8Array.from({ length: w * h }, (_, j) => (i * 31 + j * 7 + salt) & 0xff) })));
}

/** A camera behind a bad cable: `omvd sync --once` as a user runs it, through a pty whose bytes a pump damages. */
describe('omvd sync --once over a noisy line (dropped, flipped and inserted bytes, both ways)', () => {
  const cases = [
    { rate: 1e-3, files: { 'rec_0001.bin': recording(10, 160, 120, 1), 'rec_0002.bin': recording(3, 80, 60, 2), 'rec_0003.bin': recording(1, 64, 48, 3) } }, // ≈ 210 KB
    { rate: 1e-2, files: { 'rec_0001.bin': recording(3, 80, 60, 4), 'rec_0002.bin': recording(1, 64, 48, 5) } }, // ≈ 18 KB
  ];
  for (const { rate, files } of cases) {
    it(`at ${rate} per byte every recording arrives byte-identical, and the summary counts the damage`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'omvd-noisy-'));
      mkdirSync(join(work, 'sd'));
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(work, 'sd', name), bytes);
      const sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
      const line = await noisyPty(sim.path, join(work, 'noisy'), rate, 11);
      try {
        const root = join(work, 'data');
        // Spawned, not run to completion synchronously: the pump lives in this process and must keep pumping.
        const sync = spawnOmvd(['sync', '--port', line.path, '--root', root, '--once', '--json', '--no-export']);
        expect(await sync.exited, sync.stderr().slice(-3000) + sync.stdout()).toBe(0);
        const summary = JSON.parse(sync.stdout());
        expect(summary.ok).toBe(true);
        expect(summary.synced.map((s: { name: string }) => s.name).sort()).toEqual(Object.keys(files));
        for (const [name, bytes] of Object.entries(files)) expect(sha(readFileSync(join(root, sim.id, name))), name).toBe(sha(bytes));
        expect(line.noise.damaged).toBeGreaterThan(20);
        const link = summary.cameras[0].link;
        expect(link.damaged + link.timeouts).toBeGreaterThan(0);
        expect(link.retries).toBeGreaterThan(0);
      } finally {
        await line.close();
        await sim.stop();
      }
    }, 240_000);
  }
});

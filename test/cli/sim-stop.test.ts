import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageIo } from '../../protocol/imageio/index.js';
import { startSim } from '../support/sim-process.js';
import { waitFor } from '../support/tools.js';

describe('omvd sim stops cleanly', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-recording: exit 0, pty removed, the recording closed on a frame boundary`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'omvd-stop-'));
      const sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--record', '60', '--pixformat', 'JPEG', '--framesize', 'QQVGA']);
      const rec1 = join(work, 'sd', 'rec_0001.bin');
      await waitFor(() => existsSync(rec1) && parseImageIo(new Uint8Array(readFileSync(rec1))).frames.length > 5, 'six frames recorded');
      expect(await sim.stop(signal)).toBe(0);
      expect(readdirSync(work)).not.toContain('cam');
      const rec = readdirSync(join(work, 'sd')).filter((n) => n.endsWith('.bin'));
      expect(rec).toEqual(['rec_0001.bin']);
      const parsed = parseImageIo(new Uint8Array(readFileSync(join(work, 'sd', rec[0]!))));
      expect(parsed.frames.length).toBeGreaterThan(5);
      expect(parsed.tail).toBeUndefined();
      expect(parsed.error).toBeUndefined();
    });
  }
});

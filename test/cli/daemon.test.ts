import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { spawnOmvd, waitFor } from '../support/tools.js';
import { startSim } from '../support/sim-process.js';

const rec = (fill: number): Uint8Array => encodeImageIo([{ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(fill) }]);

describe('omvd daemon', () => {
  it('serves two cameras at once, into folders named by their unique ids; an unplugged camera is picked up again when it comes back', async () => {
    const work = mkdtempSync(join(tmpdir(), 'omvd-daemon-'));
    for (const cam of ['a', 'b']) {
      mkdirSync(join(work, `sd-${cam}`));
      writeFileSync(join(work, `sd-${cam}`, 'rec_0001.bin'), rec(cam === 'a' ? 1 : 2));
    }
    const a = await startSim(['--pty', join(work, 'cam-a'), '--sd', join(work, 'sd-a')]);
    const b = await startSim(['--pty', join(work, 'cam-b'), '--sd', join(work, 'sd-b')]);
    expect(a.id).not.toBe(b.id);
    const root = join(work, 'data');
    const daemon = spawnOmvd(['daemon', '--port', a.path, '--port', b.path, '--root', root, '--no-export', '--json']);
    try {
      await waitFor(() => existsSync(join(root, a.id, 'rec_0001.bin')) && existsSync(join(root, b.id, 'rec_0001.bin')), 'both cameras synced');
      expect(readFileSync(join(root, b.id, 'rec_0001.bin'))).toEqual(Buffer.from(rec(2)));
      expect(await a.stop()).toBe(0); // unplug
      await waitFor(() => /went away|camera disconnected/.test(daemon.stderr()), 'the daemon to notice the unplug');
      writeFileSync(join(work, 'sd-a', 'rec_0002.bin'), rec(3));
      const again = await startSim(['--pty', join(work, 'cam-a'), '--sd', join(work, 'sd-a')]); // replug, same card
      expect(again.id).toBe(a.id);
      await waitFor(() => existsSync(join(root, a.id, 'rec_0002.bin')), 'the replugged camera synced');
      expect(readFileSync(join(root, a.id, 'rec_0002.bin'))).toEqual(Buffer.from(rec(3)));
      await again.stop();
    } finally {
      expect(await daemon.stop()).toBe(0);
      await b.stop();
    }
    expect(daemon.stderr()).toContain('daemon stopped');
  }, 60_000);

  it('a port with no camera is logged once when that begins, not at every look', async () => {
    const work = mkdtempSync(join(tmpdir(), 'omvd-daemon-absent-'));
    const daemon = spawnOmvd(['daemon', '--port', join(work, 'nothing-here'), '--root', join(work, 'data'), '--no-export', '--json'], { OMVD_LOG_LEVEL: 'debug' });
    try {
      await waitFor(() => daemon.stderr().split('still no camera').length > 2, 'the daemon to look twice more', 60_000);
      const warned = daemon.stderr().split('\n').filter((l) => l.includes('"level":40') && l.includes('no camera on'));
      expect(warned).toHaveLength(1);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  }, 90_000);
});

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { mountTmpfs } from '../capture/mounts.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd } from '../support/tools.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const rec = (frames: number, w: number, h: number): Uint8Array => encodeImageIo(Array.from({ length: frames }, (_, i) => ({ elapsedMs: 40, width: w, height: h, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(w * h).fill(i) })));

describe('omvd sync on a disk that refuses', () => {
  const work = mkdtempSync(join(tmpdir(), 'omvd-sync-disk-'));
  let sim: SimProcess;
  const small = rec(2, 64, 48);
  const big = rec(40, 320, 240); // ≈ 3 MB, more than the 2 MB disk

  beforeAll(async () => {
    mkdirSync(join(work, 'sd'));
    writeFileSync(join(work, 'sd', 'rec_0001.bin'), big);
    writeFileSync(join(work, 'sd', 'rec_0002.bin'), small);
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--board', 'RT1062']);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('a root without room for a recording: that one is refused up front with what it needs and what is free, the rest syncs, exit 4', () => {
    const root = join(work, 'full');
    const unmount = mountTmpfs(root, { sizeKiB: 2048 });
    try {
      const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
      expect(r.status, r.stderr).toBe(4);
      const doc = JSON.parse(r.stdout);
      expect(doc.synced.map((s: { name: string }) => s.name)).toEqual(['rec_0002.bin']);
      expect(sha(readFileSync(join(root, sim.id, 'rec_0002.bin')))).toBe(sha(small));
      expect(doc.failed).toEqual([expect.objectContaining({ name: 'rec_0001.bin', code: 'ENOSPC' })]);
      expect(doc.failed[0].error).toMatch(new RegExp(`^${root} is full: rec_0001\\.bin needs 3\\.\\d MB, [0-2]\\.\\d MB free`));
      expect(existsSync(join(root, sim.id, 'rec_0001.bin'))).toBe(false);
    } finally {
      unmount();
    }
  }, 120_000);

  it('a read-only root: exit 5 and a sentence that says so, not a stack trace', () => {
    const root = join(work, 'ro');
    const unmount = mountTmpfs(root, { sizeKiB: 1024, readOnly: true });
    try {
      const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
      expect(r.status).toBe(5);
      const err = JSON.parse(r.stdout).errors[0];
      expect(err.code).toBe('EROFS');
      expect(err.error).toMatch(/read-only filesystem.*sync into another --root/);
    } finally {
      unmount();
    }
  }, 120_000);
});

import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageIo, Pixformat } from '../../protocol/imageio/index.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';
import { expectJsonStyle } from '../capture/json-style.js';
import { mountTmpfs } from '../capture/mounts.js';

const W = 320;
const H = 240;
/** 40 QVGA frames of noise (gzip cannot shrink them): about 3 MB of pixels. */
const noisyFrames = Array.from({ length: 40 }, (_, i) => Uint8Array.from({ length: W * H }, (_, j) => (Math.imul(j + 1, 2654435761 + i) >>> 13) & 0xff));
const noisy = encodeImageIo(noisyFrames.map((data) => ({ elapsedMs: 33, width: W, height: H, pixformat: Pixformat.GRAYSCALE, data })));

function failure(args: string[]): { status: number; code: string; message: string } {
  const r = omvd(['export', ...args, '--json']);
  expect(r.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  const doc = expectJsonStyle(r.stdout);
  expect(doc.ok).toBe(false);
  const failed = (doc.failed as { code: string; error: string }[] | undefined)?.[0];
  const error = doc.error as { code: string; message: string };
  return { status: r.status, code: failed?.code ?? error.code, message: failed?.error ?? error.message };
}

describe('omvd export and the host\'s disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omvd-export-disk-'));
  writeFileSync(join(dir, 'rec_0001.bin'), noisy);

  it('checks free space before it starts: "… is full: rec_0001.bin needs … MB, … MB free" (exit 5), and leaves nothing behind', () => {
    const disk = join(dir, 'small');
    const unmount = mountTmpfs(disk, { sizeKiB: 1024 });
    try {
      const f = failure([join(dir, 'rec_0001.bin'), '--to', 'hdf5', 'records', '--out', disk]);
      expect(f.status).toBe(5);
      expect(f.code).toBe('ENOSPC');
      expect(f.message).toMatch(new RegExp(`${disk} is full: rec_0001\\.bin needs [\\d.]+ MB, [\\d.]+ MB free`));
      expect(readdirSync(disk)).toEqual([]);
    } finally {
      unmount();
    }
  });

  it('a read-only folder: EROFS with the folder and what to do (exit 5)', { timeout: 120_000 }, () => {
    const ro = join(dir, 'ro');
    const unmount = mountTmpfs(ro, { sizeKiB: 1024, readOnly: true });
    try {
      for (const format of ['hdf5', 'blob']) {
        const f = failure([join(dir, 'rec_0001.bin'), '--to', format, '--out', join(ro, 'sets')]);
        expect(f.status, format).toBe(5);
        expect(f.code).toBe('EROFS');
        expect(f.message).toMatch(new RegExp(`${ro}.* read-only.*--out`));
      }
    } finally {
      unmount();
    }
  });

  it('leftover .part outputs of a killed export are replaced, not left to fill the disk', () => {
    const out = join(dir, 'left');
    mkdirSync(join(out, 'rec_0001.part', 'camera'), { recursive: true });
    writeFileSync(join(out, 'rec_0001.rtdc.part'), new Uint8Array(1 << 20));
    const r = omvd(['export', join(dir, 'rec_0001.bin'), '--to', 'hdf5', 'blob', '--out', out, '--json']);
    expect(r.status, r.stdout).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['rec_0001', 'rec_0001.rtdc']);
  });

  it('Ctrl-C mid-export removes the unfinished outputs (nothing left to fill the disk) and exits 130', { timeout: 120_000 }, async () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    // 600 QVGA frames: long enough to interrupt.
    writeFileSync(join(big, 'long.bin'), encodeImageIo(Array.from({ length: 600 }, (_, i) => ({ elapsedMs: 33, width: W, height: H, pixformat: Pixformat.GRAYSCALE, data: noisyFrames[i % noisyFrames.length]! }))));
    const run = spawnOmvd(['export', join(big, 'long.bin'), '--to', 'hdf5', 'blob', 'records', '--json']);
    await waitFor(() => existsSync(join(big, 'long.part', 'camera', 'frames')) && readdirSync(join(big, 'long.part', 'camera', 'frames')).length > 5, 'the export to be under way');
    expect(await run.stop('SIGINT')).toBe(130);
    const doc = expectJsonStyle(run.stdout());
    expect(doc.error).toMatchObject({ code: 'EINTERRUPTED' });
    expect(readdirSync(big)).toEqual(['long.bin']);
  });

  it('--start-time that is not a time is a usage error with an example (exit 2)', () => {
    const f = failure([join(dir, 'rec_0001.bin'), '--start-time', 'yesterday']);
    expect(f.status).toBe(2);
    expect(f.code).toBe('EUSAGE');
    expect(f.message).toMatch(/--start-time "yesterday".*2026-/);
  });
});

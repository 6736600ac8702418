import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { omvd } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

describe('a camera without omvd\'s scripts', () => {
  let sim: SimProcess;
  const work = mkdtempSync(join(tmpdir(), 'omvd-install-'));

  beforeAll(async () => {
    mkdirSync(join(work, 'bare')); // firmware with nothing on its flash
    mkdirSync(join(work, 'sd'));
    const frames = [{ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(7) }];
    writeFileSync(join(work, 'sd', 'rec_0042.bin'), encodeImageIo(frames));
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--scripts', join(work, 'bare')]);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('sync says what is missing and how to fix it', () => {
    const r = omvd(['sync', '--port', sim.path, '--root', join(work, 'data'), '--once', '--json', '--no-export']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no \\?"omvd\.cat\\?" channel.*--install-scripts/);
  });

  it('--install-scripts puts them on through the stdin channel, then the recordings sync untouched', () => {
    const r = omvd(['sync', '--port', sim.path, '--root', join(work, 'data'), '--once', '--json', '--no-export', '--install-scripts']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).synced.map((s: { name: string }) => s.name)).toEqual(['rec_0042.bin']);
    expect(r.stderr).toContain('device scripts installed and running');
  });
});

import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { REPO, omvd } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

/** Every file below `dir`, as paths relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('a hostile device', () => {
  let sim: SimProcess;
  const work = mkdtempSync(join(tmpdir(), 'omvd-hostile-'));

  beforeAll(async () => {
    const scripts = join(work, 'scripts');
    cpSync(join(REPO, 'test/fixtures/hostile-scripts'), scripts, { recursive: true });
    cpSync(join(REPO, 'device-scripts/omvd'), join(scripts, 'omvd'), { recursive: true });
    mkdirSync(join(work, 'sd'));
    const frames = Array.from({ length: 3 }, (_, i) => ({ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(i) }));
    writeFileSync(join(work, 'sd', 'rec_0001.bin'), encodeImageIo(frames));
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--scripts', scripts]);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('traversal names, impossible sizes and bogus counts are refused with reasons; the real recording still syncs; nothing lands outside the root', async () => {
    const outer = join(work, 'outer');
    const root = join(outer, 'root');
    mkdirSync(outer);
    const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.synced.map((s: { name: string }) => s.name)).toEqual(['rec_0001.bin']);
    const log = summary.refused.map((x: { reason: string }) => x.reason).join('\n');
    expect(summary.refused.length).toBe(6);
    for (const why of ['unsafe recording name "../../escape.bin"', 'unsafe recording name "/tmp/abs.bin"', 'unsafe recording name "sub/dir.bin"', 'size 8589934592 of huge.bin', 'size -1 of neg.bin', 'frame count of count.bin']) expect(log).toContain(why);
    expect(tree(outer)).toEqual([`root/${sim.id}/manifest.json`, `root/${sim.id}/rec_0001.bin`]);
    expect(readdirSync(work).sort()).toEqual(['cam', 'outer', 'scripts', 'sd']);
  });

  it('garbage JSON from the camera is a clear error, not a crash', () => {
    writeFileSync(join(work, 'sd', 'garbage'), '1');
    const r = omvd(['ls', '--port', sim.path, '--root', join(work, 'outer', 'root'), '--json']);
    expect(r.status).toBe(1);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).toBe('ECATALOG');
    expect(err.message).toMatch(/not valid JSON/);
  });
});

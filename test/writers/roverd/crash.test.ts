import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlobChannel } from '../../../host/writers/channels/blob.js';
import type { RawChannel } from '../../../host/writers/channels/raw.js';
import { openTrace } from '../../../host/writers/roverd/reader.js';
import { REPO } from '../../support/tools.js';

/** Runs crash-child.ts until it has written a few frames, then kills it (unless it kills itself first). */
async function crash(dir: string, killAt?: number, afterMs = 0): Promise<void> {
  const args = ['--import', 'tsx', resolve(REPO, 'test/writers/roverd/crash-child.ts'), dir, ...(killAt === undefined ? [] : [String(killAt)])];
  const proc = spawn(process.execPath, args, { cwd: REPO });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((done) => proc.on('exit', (_, signal) => done(signal)));
  await new Promise<void>((started, fail) => {
    proc.stdout.on('data', (d: Buffer) => d.toString().includes('writing') && started());
    proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? started() : fail(new Error(`writer exited (${code}) before crashing: ${stderr}`))));
  });
  if (killAt === undefined) {
    await new Promise((r) => setTimeout(r, afterMs));
    proc.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
}

/** What every crash must leave: whole blobs in sequence, channels at most one frame ahead of ts, values as written. */
async function checkConsistent(dir: string): Promise<{ n: number; blobs: number; frames: number }> {
  const sensor = await (await openTrace(dir)).sensor('camera');
  const n = await sensor.length();
  const blobs = sensor.channel('frames') as BlobChannel;
  const frame = sensor.channel('frame') as RawChannel;
  const counts = { n, blobs: await blobs.length(), frames: await frame.length() };
  expect(statSync(join(dir, 'camera', 'ts')).size % 8).toBe(0);
  expect(counts.blobs - n).toBeGreaterThanOrEqual(0);
  expect(counts.blobs - n).toBeLessThanOrEqual(1);
  expect(counts.frames).toBeGreaterThanOrEqual(n);
  expect(counts.frames).toBeLessThanOrEqual(counts.blobs);
  expect([...(await (sensor.channel('ts') as RawChannel).read(0, n)).data]).toEqual(Array.from({ length: n }, (_, i) => 1000 + i));
  expect([...(await frame.read(0, n)).data]).toEqual([...Array(n).keys()]);
  const stored = await blobs.read(0, n);
  stored.forEach((b, i) => expect([...b]).toEqual([0xff, 0xd8, i & 0xff, (i >> 8) & 0xff, 0xff, 0xd9]));
  return counts;
}

describe('a roverd trace after the writer is killed', () => {
  it('does not count a frame whose data is on disk but whose ts is not', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'omvd-crash-')), 'rec');
    await crash(dir, 5);
    expect(await checkConsistent(dir)).toEqual({ n: 5, blobs: 6, frames: 6 });
    expect(readFileSync(join(dir, 'camera', 'ts')).length).toBe(40);
  });

  it.each([30, 90, 200])('is consistent wherever the kill lands (after %i ms)', async (afterMs) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'omvd-crash-')), 'rec');
    await crash(dir, undefined, afterMs);
    const { n } = await checkConsistent(dir);
    expect(n).toBeGreaterThanOrEqual(3);
    for (const name of readdirSync(join(dir, 'camera', 'frames'))) expect(name).toMatch(/^\d{6}\.jpg$/);
    const tmpDir = join(dir, 'camera', '.frames.tmp');
    expect(existsSync(tmpDir) ? readdirSync(tmpDir).every((f) => f.endsWith('.tmp')) : true).toBe(true);
  });
});

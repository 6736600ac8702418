import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PartialFile, partialPaths } from '../../host/sync/partial.js';

const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('resumable partial download', () => {
  it('resumes from the last checkpoint, discarding bytes written after it, and hashes the whole file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-partial-'));
    const a = await PartialFile.open(dir, 'rec.bin');
    await a.append(data.subarray(0, 100_000));
    await a.checkpoint();
    await a.append(data.subarray(100_000, 150_000)); // written but never checkpointed: a crash here loses it
    // simulate SIGKILL: no close; a second writer opens the same download
    const b = await PartialFile.open(dir, 'rec.bin');
    expect(b.length).toBe(100_000);
    await b.append(data.subarray(100_000));
    expect(b.digest()).toBe(sha(data));
    await b.publish(join(dir, 'rec.bin'));
    expect(Buffer.from(readFileSync(join(dir, 'rec.bin'))).equals(Buffer.from(data))).toBe(true);
    expect(existsSync(partialPaths(dir, 'rec.bin').state)).toBe(false);
  });

  it('starts over when the state file is missing or garbage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-partial-'));
    const a = await PartialFile.open(dir, 'x.bin');
    await a.append(data.subarray(0, 1000));
    await a.checkpoint();
    writeFileSync(partialPaths(dir, 'x.bin').state, '{not json');
    const b = await PartialFile.open(dir, 'x.bin');
    expect(b.length).toBe(0);
  });

  it('sets a mismatching copy aside instead of deleting it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-partial-'));
    const a = await PartialFile.open(dir, 'y.bin');
    await a.append(data.subarray(0, 10));
    const kept = await a.discard();
    expect(readFileSync(kept).length).toBe(10);
    expect((await PartialFile.open(dir, 'y.bin')).length).toBe(0);
  });
});

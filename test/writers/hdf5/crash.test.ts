import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Hdf5Writer } from '../../../host/writers/hdf5/hdf5-writer.js';
import { REPO } from '../../support/tools.js';
import { h5py, sha256, tmpFile } from './support.js';

const CHILD = fileURLToPath(new URL('./writer-child.ts', import.meta.url));

/** Runs writer-child.ts on `path` and SIGKILLs it once it has written at least `frames` frames. */
async function killMidWrite(path: string, frames: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const counts = d.toString().trim().split('\n').map(Number);
      if (Math.max(...counts) >= frames) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer-child exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('a writer killed mid-file', () => {
  it('publishes nothing: only the .part is left', async () => {
    const path = tmpFile('killed.rtdc');
    await killMidWrite(path, 100);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
  });

  it('leaves the previous complete file intact', async () => {
    const path = tmpFile('previous.rtdc');
    const w = await Hdf5Writer.open(path);
    w.requireFeature('time', [], 'f8');
    w.storeFeatureChunk('time', Float64Array.of(1, 2, 3));
    w.close();
    const before = sha256(readFileSync(path));
    await killMidWrite(path, 100);
    expect(sha256(readFileSync(path))).toBe(before);
    expect(h5py<unknown>('print(json.dumps([int(f.attrs["experiment:event count"]), f["events/time"][:].tolist()]))', path)).toEqual([3, [1, 2, 3]]);
    expect(existsSync(`${path}.part`)).toBe(true);
  });
});

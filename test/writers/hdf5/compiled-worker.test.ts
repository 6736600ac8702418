import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../support/tools.js';
import { h5py } from './support.js';

describe('QueueHdf5Writer compiled to JS, as in dist/', () => {
  it('starts its worker from the .js beside it, with plain node and no tsx', () => {
    const out = mkdtempSync(join(tmpdir(), 'omvd-dist-'));
    // The queue writer loads hdf5-worker by URL, not by import, so both are entry points.
    execFileSync(resolve(REPO, 'node_modules/.bin/tsc'), ['--ignoreConfig', '--outDir', out, '--rootDir', REPO, '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--lib', 'es2023', '--strict', '--skipLibCheck', '--types', 'node',
      resolve(REPO, 'host/writers/hdf5/queue-writer.ts'), resolve(REPO, 'host/writers/hdf5/hdf5-worker.ts')], { cwd: REPO });
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    symlinkSync(resolve(REPO, 'node_modules'), join(out, 'node_modules'));
    const path = join(out, 'compiled.rtdc');
    const script = `
      import { QueueHdf5Writer } from './host/writers/hdf5/queue-writer.js';
      const w = await QueueHdf5Writer.open(${JSON.stringify(path)}, { features: [{ name: 'time', itemShape: [], dtype: 'f8' }] });
      for (const f of [1, 0, 2]) await w.write(f, { time: f * 0.5 });
      console.log(JSON.stringify(await w.finish()));`;
    writeFileSync(join(out, 'main.js'), script);
    const r = spawnSync(process.execPath, ['main.js'], { cwd: out, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ path, events: 3, missingFrames: [] });
    expect(h5py<number[]>('print(json.dumps(f["events/time"][:].tolist()))', path)).toEqual([0, 0.5, 1]);
  });
});

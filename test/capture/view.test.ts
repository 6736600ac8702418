import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnOmvd, waitFor } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

const CHROMIUM = '/usr/bin/chromium';

describe('omvd view', () => {
  let sim: SimProcess;
  const work = mkdtempSync(join(tmpdir(), 'omvd-view-'));

  beforeAll(async () => {
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('serves a loopback page on which headless Chromium draws the camera\'s live frames', async () => {
    const view = spawnOmvd(['view', '--port', sim.path, '--listen', '127.0.0.1:0', '--json']);
    try {
      await waitFor(() => view.stdout().includes('\n') || view.child.exitCode !== null, 'omvd view to print its URL');
      const url = JSON.parse(view.stdout().split('\n')[0]!).url as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const status = (): Promise<string> => fetch(new URL('status', url)).then((r) => r.text()).catch(() => '');
      await waitFor(async () => /"frames":[1-9]/.test(await status()), 'frames flowing');
      const profile = mkdtempSync(join(tmpdir(), 'omvd-chromium-'));
      const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=5000', '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
      if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${CHROMIUM} is required: apt-get install chromium (.ci/run does)`);
      const drawn = Number(/data-drawn="(\d+)"/.exec(r.stdout)?.[1] ?? 0);
      const mean = Number(/data-mean="(\d+)"/.exec(r.stdout)?.[1] ?? -1);
      expect(drawn, r.stderr.slice(-500)).toBeGreaterThan(0);
      expect(mean).toBeGreaterThan(10); // the synthetic scene, not a blank canvas
      expect(r.stdout).toContain(`${sim.id}:`); // the status caption
    } finally {
      expect(await view.stop()).toBe(0);
    }
  }, 90_000);
});

import { mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSim } from '../support/sim-process.js';
import { omvd } from '../support/tools.js';

describe('omvd sim --pty PATH', () => {
  it('refuses a path another virtual camera is serving, and that one stays reachable', async () => {
    const work = mkdtempSync(join(tmpdir(), 'omvd-sim-pty-'));
    const first = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
    try {
      const device = readlinkSync(first.path);
      const second = omvd(['sim', '--pty', first.path, '--sd', join(work, 'sd2'), '--json'], {}, 60_000);
      expect(second.status).toBe(1);
      expect(JSON.parse(second.stdout).error).toMatchObject({ code: 'EPTY', message: expect.stringMatching(/already served by a running virtual camera/) });
      expect(readlinkSync(first.path)).toBe(device);
      const info = omvd(['info', '--port', first.path, '--json']);
      expect(info.status, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout).cameras[0].sysInfo.uniqueId).toBe(first.id);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  }, 120_000);

  it('in a folder that does not exist: a clear error and exit 1 at once, no traceback, no hang', () => {
    const r = omvd(['sim', '--pty', join(tmpdir(), 'omvd-no-such-folder', 'cam')], {}, 30_000);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the folder .*omvd-no-such-folder does not exist/);
    expect(r.stderr).not.toMatch(/Traceback/);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSim } from '../support/sim-process.js';
import { omvd } from '../support/tools.js';

describe('omvd info', () => {
  for (const [link, protocolBy] of [['native', 'firmware'], ['python', 'omvd scripts']] as const) {
    it(`names the board and who speaks Protocol V2 (${link} link: the ${protocolBy}), from what the camera reports`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'omvd-info-'));
      const sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--link', link, '--board', 'H7P']);
      try {
        const r = omvd(['info', '--port', sim.path, '--json']);
        expect(r.status, r.stderr).toBe(0);
        const cam = JSON.parse(r.stdout).cameras[0];
        expect(cam).toMatchObject({ board: 'OpenMV Cam H7 Plus', protocolBy });
        expect(cam.version.firmware[0]).toBe(link === 'native' ? 5 : 4);
        const text = omvd(['info', '--port', sim.path]);
        expect(text.status, text.stderr).toBe(0);
        expect(text.stdout).toMatch(new RegExp(`OpenMV Cam H7 Plus ${sim.id} .*spoken by the ${protocolBy}`));
      } finally {
        await sim.stop();
      }
    }, 90_000);
  }
});

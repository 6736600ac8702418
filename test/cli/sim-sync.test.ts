import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageIo } from '../../protocol/imageio/index.js';
import { h5Attrs } from '../export/rtdc-dclab.js';
import { omvd, waitFor } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('omvd sim on a pty, driven by the omvd CLI over a real serial port', () => {
  let sim: SimProcess;
  const work = mkdtempSync(join(tmpdir(), 'omvd-cli-'));

  beforeAll(async () => {
    sim = await startSim(['--pty', join(work, 'cam'), '--record', '1.5', '--fps', '20', '--sd', join(work, 'sd')]);
  });

  afterAll(async () => {
    if (sim) expect(await sim.stop()).toBe(0);
  });

  it('info --json: identifies the virtual H7 and lists the built-in and omvd channels', () => {
    const r = omvd(['info', '--port', sim.path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const cam = JSON.parse(r.stdout).cameras[0];
    expect(cam.sysInfo.uniqueId).toBe(sim.id);
    expect([cam.sysInfo.usbVid, cam.sysInfo.usbPid]).toEqual([0x37c5, 0x1204]);
    expect(cam.channels.map((c: { name: string }) => c.name)).toEqual(['usb', 'stdin', 'stdout', 'stream', 'omvd.cat', 'omvd.file', 'omvd.live', 'omvd.ctl']);
  });

  it('sync --once --json mirrors the recording byte-identical; ls --json then shows it synced', async () => {
    await waitFor(() => existsSync(join(work, 'sd')) && readdirSync(join(work, 'sd')).some((n) => n.endsWith('.bin')), 'the recording to start');
    const root = join(work, 'data');
    const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json'], { XDG_CONFIG_HOME: join(work, 'no-config') });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.ok).toBe(true);
    expect(summary.synced.length).toBe(1);
    const name = summary.synced[0].name as string;
    const host = readFileSync(join(root, sim.id, name));
    expect(sha(host)).toBe(sha(readFileSync(join(work, 'sd', name))));
    expect(parseImageIo(new Uint8Array(host)).frames.length).toBeGreaterThan(20);
    const rtdc = join(root, sim.id, 'datasets', name.replace('.bin', '.rtdc'));
    expect(existsSync(rtdc)).toBe(true); // default export: HDF5…
    expect(h5Attrs(rtdc).attrs['setup:identifier']).toEqual(['str', `OpenMV Cam H7 ${sim.id}`]); // the board, named once
    expect(existsSync(join(root, sim.id, 'datasets', name.replace('.bin', ''), 'config.yaml'))).toBe(true); // …and a roverd trace
    const ls = JSON.parse(omvd(['ls', '--port', sim.path, '--root', root, '--json']).stdout);
    expect(ls.cameras[0].recordings).toEqual([expect.objectContaining({ name, synced: true, open: false })]);
  });

  it('a port that is not a camera gives a clear error and exit code 3 (no camera)', () => {
    const r = omvd(['info', '--port', join(work, 'nothing-here'), '--json']);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('EPORT');
  });
});

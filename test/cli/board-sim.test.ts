import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { omvd } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';

describe('omvd sim --board', () => {
  const sims: SimProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), 'omvd-board-cli-'));
  afterEach(async () => {
    for (const s of sims.splice(0)) expect(await s.stop()).toBe(0);
  });

  const info = (sim: SimProcess) => {
    const r = omvd(['info', '--port', sim.path, '--json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout).cameras[0];
  };

  it('plays an OpenMV Cam H7 by default: 37C5:1204, 498-byte payloads', async () => {
    const sim = await startSim(['--pty', join(work, 'h7'), '--sd', join(work, 'sd-h7')]);
    sims.push(sim);
    const cam = info(sim);
    expect([cam.sysInfo.usbVid, cam.sysInfo.usbPid, cam.caps.maxPayload]).toEqual([0x37c5, 0x1204, 498]);
  });

  it('plays the board asked for: an Arduino Nicla Vision is 2341:045F with high-speed USB', async () => {
    const sim = await startSim(['--pty', join(work, 'nicla'), '--sd', join(work, 'sd-nicla'), '--board', 'NICLA']);
    sims.push(sim);
    const cam = info(sim);
    expect([cam.sysInfo.usbVid, cam.sysInfo.usbPid, cam.caps.maxPayload]).toEqual([0x2341, 0x045f, 4082]);
    expect(cam.sysInfo.features).toContain('USB_HS');

    // Its GC2145 has no gain control (the firmware only prints a warning): capture says so, in text and in --json.
    const args = ['capture', '--port', sim.path, '--duration', '500ms', '--gain-db', '6', '--framesize', 'QQVGA'];
    const text = omvd([...args, '--to', `records:${join(work, 'nicla.jsonl')}`]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}warning: gain_db: .*6/m);
    const json = omvd([...args, '--to', `records:${join(work, 'nicla2.jsonl')}`, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout).cameras[0];
    expect(summary.warnings).toEqual([expect.stringMatching(/^gain_db: .*6/)]);
    expect(summary.controls).toEqual(expect.objectContaining({ fps: expect.any(Number) }));
  });

  it('refuses a board it does not know, and a pixformat the board\'s sensor cannot make, saying what it can', () => {
    const r = omvd(['sim', '--pty', join(work, 'x'), '--board', 'M4']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/board, Given: "M4", Choices: "H7", "H7P", "RT1062", "N6", "AE3", "NICLA", "PORTENTA"/);
    const p = omvd(['sim', '--pty', join(work, 'y'), '--board', 'PORTENTA', '--pixformat', 'JPEG', '--json']);
    expect(p.status).not.toBe(0);
    expect(p.stdout + p.stderr).toMatch(/HM01B0 sensor makes GRAYSCALE, not JPEG/);
  });
});

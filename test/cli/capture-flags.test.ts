import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { omvd } from '../support/tools.js';
import { expectJsonStyle } from '../capture/json-style.js';

const work = mkdtempSync(join(tmpdir(), 'omvd-capture-flags-'));
/** A port no camera is on: a flag that is wrong must be refused before any camera is opened. */
const NO_CAMERA = join(work, 'no-camera-here');

function refusal(args: string[]): { code: string; message: string } {
  const r = omvd(['capture', ...args, '--json']);
  const out = expectJsonStyle(r.stdout);
  expect(r.status, r.stdout).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return out.error as { code: string; message: string };
}

/** The message a session file gets for the same value, after the field's name. */
function sessionMessage(doc: object): string {
  const file = join(work, `s${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ cameras: [{ port: NO_CAMERA }], to: [`hdf5:${join(work, 'x.h5')}`], ...doc }));
  const message = refusal(['--session', file]).message;
  return message.replace(/^.*?" /, '');
}

describe('omvd capture checks its flags as it checks a session file', () => {
  const to = ['--to', `hdf5:${join(work, 'x.h5')}`];
  const cases: [string[], object][] = [
    [['--frames', '-1'], { frames: -1 }],
    [['--frames', '2.5'], { frames: 2.5 }],
    [['--slots', '1'], { cameras: [{ port: NO_CAMERA, live_slots: 1 }] }],
    [['--gain-db', 'abc'], { cameras: [{ port: NO_CAMERA, gain_db: 'abc' }] }],
    [['--fps', '0'], { cameras: [{ port: NO_CAMERA, fps: 0 }] }],
    [['--exposure-us', '-5'], { cameras: [{ port: NO_CAMERA, exposure_us: -5 }] }],
    [['--pixformat', 'BAYER'], { cameras: [{ port: NO_CAMERA, pixformat: 'BAYER' }] }],
    [['--duration', 'soon'], { duration: 'soon' }],
  ];
  for (const [flags, doc] of cases) {
    it(`refuses ${flags.join(' ')} with the session file's message, before opening a camera`, { timeout: 120_000 }, () => {
      const err = refusal(['--port', NO_CAMERA, ...flags, ...to]);
      expect(err.code).toBe('ESESSIONFILE');
      expect(err.message).toContain(`"${flags[0]}"`);
      expect(err.message.replace(/^.*?" /, '')).toBe(sessionMessage(doc));
    });
  }

  it('reads durations like 1m30s and 1h2m3.5s (then looks for the camera)', { timeout: 120_000 }, () => {
    for (const d of ['1m30s', '1h2m3.5s', '250ms', '90']) {
      const r = omvd(['capture', '--port', NO_CAMERA, '--duration', d, ...to, '--json']);
      const out = expectJsonStyle(r.stdout);
      expect((out.error as { code: string }).code, `${d}: ${r.stdout}`).not.toBe('ESESSIONFILE');
      expect(r.status).toBe(3); // no camera on that port
    }
  });

  it('refuses --record-on-camera with --to or --frames: they would be ignored', { timeout: 120_000 }, () => {
    expect(refusal(['--port', NO_CAMERA, '--record-on-camera', '--duration', '2s', ...to]).message).toMatch(/--record-on-camera.*--to|--to.*--record-on-camera/);
    expect(refusal(['--port', NO_CAMERA, '--record-on-camera', '--duration', '2s', '--frames', '10']).message).toMatch(/--frames/);
  });

  it('refuses an output named twice, and an unknown output kind, naming it', { timeout: 120_000 }, () => {
    expect(refusal(['--port', NO_CAMERA, '--duration', '1s', ...to, ...to]).message).toMatch(/x\.h5.*(twice|more than once)/);
    expect(refusal(['--port', NO_CAMERA, '--duration', '1s', '--to', 'tiff:a']).message).toMatch(/"--to" must be hdf5:PATH, trace:DIR, video:DIR or records:PATH/);
  });

  it('reads numeric and boolean tags from a YAML session file, and refuses other kinds', { timeout: 120_000 }, () => {
    const bad = join(work, 'bad-tags.yaml');
    writeFileSync(bad, `cameras:\n  - port: ${NO_CAMERA}\nduration: 1s\nto: [hdf5:${join(work, 'y.h5')}]\ntags:\n  run: [1, 2]\n`);
    expect(refusal(['--session', bad]).message).toMatch(/"tags\.run" must be a string, a number or true\/false/);
    const good = join(work, 'tags.yaml');
    writeFileSync(good, `cameras:\n  - port: ${NO_CAMERA}\nduration: 1s\nto: [hdf5:${join(work, 'y.h5')}]\ntags:\n  run: 7\n  dark: true\n  who: ana\n`);
    const r = omvd(['capture', '--session', good, '--json']);
    expect(r.status, r.stdout).toBe(3); // accepted; no camera on that port
  });

  it('help says what session files and outputs are', () => {
    const help = omvd(['capture', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/YAML/);
    expect(help).toMatch(/video/);
    expect(help).toMatch(/exposure_us/);
    expect(help).toMatch(/--force/);
  });
});

import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { servePty } from '../../host/sim/pty.js';
import { closeSerial, openSerial } from '../../host/v2/serial.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';

const rec = (frames: number, fill: number, w = 32, h = 24): Uint8Array =>
  encodeImageIo(Array.from({ length: frames }, (_, i) => ({ elapsedMs: 40, width: w, height: h, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(w * h).fill((fill + i) & 0xff) })));

/** One JSON line on stdout, an object with ok, and every path in it absolute. */
function oneJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  expect(lines.length, stdout).toBe(1);
  const doc = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(typeof doc.ok).toBe('boolean');
  const paths: string[] = [];
  JSON.stringify(doc, (key, value) => (typeof value === 'string' && /^(path|dir|root)$/.test(key) ? (paths.push(value), value) : value));
  for (const p of paths) expect(p.startsWith('/'), p).toBe(true);
  return doc;
}

describe('omvd sync: exit codes and summaries a script can trust', () => {
  const work = mkdtempSync(join(tmpdir(), 'omvd-sync-contract-'));
  let sim: SimProcess;
  const env = { XDG_CONFIG_HOME: join(work, 'no-config') };

  beforeAll(async () => {
    mkdirSync(join(work, 'sd'));
    for (const [i, name] of ['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin'].entries()) writeFileSync(join(work, 'sd', name), rec(2, i * 40));
    sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd')]);
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('--dry-run says what would be copied, and writes nothing', () => {
    const root = join(work, 'dry');
    const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--dry-run', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    const doc = oneJsonLine(r.stdout);
    expect(doc.dryRun).toBe(true);
    expect((doc.wouldSync as { name: string }[]).map((w) => w.name)).toEqual(['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin']);
    expect(doc.synced).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });

  it('--json lists what was synced, what was already up to date and what was deleted; a dry run lists what would be deleted', () => {
    const root = join(work, 'data');
    const first = oneJsonLine(omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export'], env).stdout);
    expect((first.synced as { name: string }[]).map((s) => s.name)).toEqual(['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin']);
    expect((first.cameras as unknown[]).length).toBe(1);
    // A pass with nothing new leaves the manifest alone (the daemon makes one every 2 s per camera).
    const manifest = join(root, sim.id, 'manifest.json');
    const before = statSync(manifest);
    const again = oneJsonLine(omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export'], env).stdout);
    expect((again.upToDate as { name: string }[]).map((s) => s.name)).toEqual(['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin']);
    expect([statSync(manifest).ino, statSync(manifest).mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    const plan = oneJsonLine(omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--dry-run', '--delete-after-sync'], env).stdout);
    expect((plan.wouldDelete as { name: string }[]).map((s) => s.name)).toEqual(['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin']);
    expect(readdirSync(join(work, 'sd')).filter((n) => n.endsWith('.bin')).length).toBe(3); // nothing deleted by the plan
    const r = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export', '--delete-after-sync'], env);
    expect(r.status, r.stderr).toBe(0);
    const second = oneJsonLine(r.stdout);
    expect(second.synced).toEqual([]);
    expect((second.upToDate as { name: string }[]).map((s) => s.name)).toEqual(['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin']);
    expect((second.deleted as { name: string }[]).map((s) => s.name)).toEqual(['rec_0001.bin', 'rec_0002.bin', 'rec_0003.bin']);
    expect(readdirSync(join(work, 'sd')).filter((n) => n.endsWith('.bin'))).toEqual([]);
  });

  it('an unknown flag: exit 2, and with --json one line saying EUSAGE', () => {
    const r = omvd(['sync', '--port', sim.path, '--once', '--bogus', '--json'], env);
    expect(r.status).toBe(2);
    expect(oneJsonLine(r.stdout)).toEqual({ ok: false, error: { code: 'EUSAGE', message: 'Unknown argument: bogus' } });
  });

  it('a port that does not exist: exit 3, ok false, the port named with its error code', () => {
    const r = omvd(['sync', '--port', join(work, 'no-such-port'), '--root', join(work, 'x'), '--once', '--json'], env);
    expect(r.status).toBe(3);
    const doc = oneJsonLine(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.errors).toEqual([expect.objectContaining({ port: join(work, 'no-such-port'), code: 'EPORT' })]);
  });

  it('a port with nothing behind it: exit 3', async () => {
    const silent = new Duplex({ read() {}, write(_c, _e, done) { done(); } });
    const pty = await servePty(silent, join(work, 'silent'));
    try {
      const sync = spawnOmvd(['sync', '--port', pty.path, '--root', join(work, 'y'), '--once', '--json'], env, 60_000);
      expect(await sync.exited).toBe(3);
      expect((oneJsonLine(sync.stdout()).errors as { code: string }[])[0]!.code).toBe('ENOTCAMERA');
    } finally {
      await pty.close();
    }
  });

  it('a port another program holds: exit 3, and the message says so', async () => {
    const holder = await openSerial(sim.path, 921600);
    try {
      const sync = spawnOmvd(['sync', '--port', sim.path, '--root', join(work, 'z'), '--once', '--json'], env, 60_000);
      expect(await sync.exited).toBe(3);
      const err = (oneJsonLine(sync.stdout()).errors as { code: string; error: string }[])[0]!;
      expect(err.code).toBe('EPORT');
      expect(err.error).toMatch(/another program has it open/);
    } finally {
      await closeSerial(holder);
    }
  });
});

describe('omvd sync interrupted', () => {
  it('SIGINT mid-file: exit 130, "interrupted": true, the verified part kept for the next run', async () => {
    const work = mkdtempSync(join(tmpdir(), 'omvd-sync-int-'));
    mkdirSync(join(work, 'sd'));
    writeFileSync(join(work, 'sd', 'rec_0001.bin'), rec(300, 1, 320, 240)); // ≈ 23 MB
    const sim = await startSim(['--pty', join(work, 'cam'), '--sd', join(work, 'sd'), '--board', 'RT1062']);
    try {
      const root = join(work, 'data');
      const partial = join(root, sim.id, '.partial', 'rec_0001.bin');
      const sync = spawnOmvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
      await waitFor(() => existsSync(partial) && statSync(partial).size > 2_000_000, 'the copy to pass 2 MB', 60_000, 20);
      expect(await sync.stop('SIGINT')).toBe(130);
      const doc = oneJsonLine(sync.stdout());
      expect(doc).toMatchObject({ ok: false, interrupted: true, synced: [] });
      expect(existsSync(join(root, sim.id, 'rec_0001.bin'))).toBe(false);
      const again = omvd(['sync', '--port', sim.path, '--root', root, '--once', '--json', '--no-export']);
      expect(again.status, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout).synced as { resumedFrom: number }[])[0]!.resumedFrom).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  }, 120_000);
});

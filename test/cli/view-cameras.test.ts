import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { omvd, spawnOmvd, waitFor } from '../support/tools.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { expectJsonStyle } from '../capture/json-style.js';

const CHROMIUM = '/usr/bin/chromium';

interface CamStatus {
  port: string;
  state: 'connecting' | 'live' | 'disconnected';
  camera: string | null;
  pixformat: string;
  framesize: string;
  width: number | null;
  height: number | null;
  frames: number;
  error?: string;
}

const work = mkdtempSync(join(tmpdir(), 'omvd-view-cams-'));
const sims: SimProcess[] = [];
afterAll(async () => {
  for (const s of sims) await s.stop('SIGKILL');
});
const sim = async (name: string): Promise<SimProcess> => {
  const s = await startSim(['--pty', join(work, name), '--sd', join(work, `${name}-sd`)]);
  sims.push(s);
  return s;
};

describe('omvd view', () => {
  it('a busy --listen port is refused before any camera is opened (ELISTEN, exit 2)', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    try {
      const port = (busy.address() as AddressInfo).port;
      const r = omvd(['view', '--port', join(work, 'no-camera'), '--listen', `127.0.0.1:${port}`, '--json']);
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const err = expectJsonStyle(r.stdout).error as { code: string; message: string };
      expect(err.code).toBe('ELISTEN');
      expect(err.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is in use.*--listen`));
    } finally {
      busy.close();
    }
  });

  it('shows each camera\'s state, keeps the others live when one goes away, and picks it up again when it comes back', { timeout: 150_000 }, async () => {
    const a = await sim('a');
    const bPath = join(work, 'b');
    const view = spawnOmvd(['view', '--port', a.path, '--port', bPath, '--listen', '127.0.0.1:0', '--json']);
    try {
      await waitFor(() => view.stdout().includes('\n') || view.child.exitCode !== null, 'omvd view to print its URL');
      const printed = expectJsonStyle(view.stdout());
      expect(printed.ok).toBe(true);
      const url = printed.url as string;
      const status = async (): Promise<CamStatus[]> => ((await (await fetch(new URL('status', url))).json()) as { cameras: CamStatus[] }).cameras;
      const cam = async (port: string): Promise<CamStatus> => (await status()).find((c) => c.port === port)!;
      const framesGrow = async (port: string): Promise<void> => {
        const n = (await cam(port)).frames;
        await waitFor(async () => (await cam(port)).frames > n + 3, `frames from ${port}`);
      };

      await waitFor(async () => (await cam(a.path)).state === 'live', 'camera a live');
      expect(await cam(a.path)).toMatchObject({ camera: a.id, pixformat: 'GRAYSCALE', framesize: 'QVGA', width: 320, height: 240 });
      expect((await cam(bPath)).state).not.toBe('live'); // absent, and the view is still up
      expect(view.child.exitCode).toBeNull();

      const b = await sim('b');
      await waitFor(async () => (await cam(bPath)).state === 'live', 'camera b picked up once it appears');
      expect((await cam(bPath)).camera).toBe(b.id);

      await a.stop('SIGKILL');
      await waitFor(async () => (await cam(a.path)).state !== 'live', 'camera a shown as gone');
      expect((await cam(a.path)).error).toMatch(/\S/);
      await framesGrow(bPath); // b is unaffected

      const page = (): string => {
        const profile = mkdtempSync(join(tmpdir(), 'omvd-chromium-'));
        const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=3000', '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
        if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${CHROMIUM} is required: apt-get install chromium (.ci/run does)`);
        return r.stdout;
      };
      // The page as a person sees it while b is live (a starved host may make b reconnect now and then).
      let dom = '';
      const liveB = new RegExp(`${bPath}[^<]*live[^<]*GRAYSCALE[^<]*QVGA[^<]*320×240`);
      for (let i = 0; i < 3 && !liveB.test(dom); i++) {
        await waitFor(async () => (await cam(bPath)).state === 'live', 'camera b live');
        dom = page();
      }
      expect(dom).toMatch(liveB);
      expect(dom).toMatch(new RegExp(`${a.path}[^<]*(disconnected|connecting)`));

      const back = await startSim(['--pty', a.path, '--sd', join(work, 'a-sd')]);
      sims.push(back);
      await waitFor(async () => (await cam(a.path)).state === 'live', 'camera a picked up again');
      await framesGrow(a.path);
    } finally {
      expect(await view.stop()).toBe(0);
    }
  });
});

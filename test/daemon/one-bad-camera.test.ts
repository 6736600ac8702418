import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PtyServer } from '../../host/sim/pty.js';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { flood } from '../support/flood.js';
import { startSim, type SimProcess } from '../support/sim-process.js';
import { spawnOmvd, waitFor, type CliProcess } from '../support/tools.js';

const rec = (fill: number): Uint8Array => encodeImageIo([{ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(fill) }]);


const work = mkdtempSync(join(tmpdir(), 'omvd-one-bad-camera-'));
const socket = join(work, 'run', 'daemon.sock');
const sims: SimProcess[] = [];
let noise: PtyServer | undefined;
let daemon: CliProcess | undefined;

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  for (const s of sims) {
    s.child.kill('SIGCONT');
    await s.stop('SIGKILL');
  }
  await noise?.close();
});

describe('the daemon with one bad camera', () => {
  it('a camera that stalls and a port that floods garbage hold no other camera up', { timeout: 90_000 }, async () => {
    for (const name of ['good', 'stalls']) {
      mkdirSync(join(work, `sd-${name}`));
      writeFileSync(join(work, `sd-${name}`, 'rec_0001.bin'), rec(1));
    }
    const [good, stalls] = await Promise.all(['good', 'stalls'].map((name) => startSim(['--pty', join(work, name), '--sd', join(work, `sd-${name}`)])));
    sims.push(good!, stalls!);
    noise = await flood(join(work, 'noise'));
    const root = join(work, 'data');
    daemon = spawnOmvd(['daemon', '--port', good!.path, '--port', stalls!.path, '--port', noise.path, '--root', root, '--no-export', '--page-port', '0'], { OMVD_SOCKET: socket });
    await waitFor(() => existsSync(join(root, good!.id, 'rec_0001.bin')) && existsSync(join(root, stalls!.id, 'rec_0001.bin')), 'both cameras synced');

    stalls!.child.kill('SIGSTOP'); // the camera stops answering mid-session, its port still open
    writeFileSync(join(work, 'sd-good', 'rec_0002.bin'), rec(2));
    await waitFor(() => existsSync(join(root, good!.id, 'rec_0002.bin')), 'the good camera\'s new recording synced while the other stalls and the third port floods');

    const cameras = await new Promise<{ port: string; state: string; problem?: { code: string } }[]>((ok, fail) => {
      const req = request({ socketPath: socket, path: '/api/v1/cameras', timeout: 20_000 }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => ok((JSON.parse(text) as { cameras: { port: string; state: string }[] }).cameras));
      });
      req.on('timeout', () => req.destroy(new Error('the daemon did not answer within 20 s')));
      req.on('error', fail);
      req.end();
    });
    expect(cameras.find((c) => c.port === good!.path)?.state).toBe('connected');
    expect(cameras.find((c) => c.port === noise!.path)).toMatchObject({ state: expect.not.stringMatching(/^connected$/) });
    stalls!.child.kill('SIGCONT');
    // Ctrl-C stops the daemon although the flooding port still holds its probe.
    expect(await daemon.stop()).toBe(0);
    expect(daemon.stderr()).toContain('daemon stopped');
  });
});

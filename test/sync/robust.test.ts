import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { syncCamera } from '../../host/sync/engine.js';
import { V2Client } from '../../host/v2/client.js';
import { NoisyLink } from '../support/noisy-link.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function recording(frames: number, w = 160, h = 120): Uint8Array {
  return encodeImageIo(Array.from({ length: frames }, (_, i) => ({ elapsedMs: 33, width: w, height: h, pixformat: Pixformat.GRAYSCALE, data: Uint8Array.from({ length: w * h }, (_, j) => (i * 31 + j * 7) & 0xff) })));
}

async function sdWith(files: Record<string, Uint8Array>): Promise<string> {
  const sd = mkdtempSync(join(tmpdir(), 'omvd-robust-sd-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(sd, name), bytes);
  return sd;
}

/** Waits until the camera has hashed every recording (so a sync need not wait for it). */
async function hashed(client: V2Client, count: number): Promise<void> {
  const { fetchCatalog } = await import('../../host/sync/catalog.js');
  for (let i = 0; i < 200; i++) {
    const c = await fetchCatalog(client);
    if (c.recordings.length === count && c.recordings.every((r) => r.sha256)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the camera did not hash its recordings');
}

describe('sync survives a bad line and a dying camera', () => {
  const cameras: VirtualCamera[] = [];
  afterEach(async () => {
    for (const c of cameras.splice(0)) await c.stop().catch(() => {});
  });

  for (const [rate, frames, w, h] of [[1e-4, 40, 160, 120], [1e-3, 8, 160, 120], [1e-2, 2, 64, 48]] as const) {
    it(`line noise at ${rate} per byte (dropped, flipped and inserted bytes): files arrive identical`, async () => {
      const files = { 'rec_0001.bin': recording(frames, w, h), 'rec_0002.bin': recording(Math.max(1, frames >> 1), w >> 1, h >> 1) };
      const camera = await VirtualCamera.start({ sdDir: await sdWith(files), uid: 'AAAABBBBCCCCDDDDEEEEFFFF' });
      cameras.push(camera);
      const probe = new V2Client(camera.link);
      await probe.connect();
      await hashed(probe, 2);
      probe.close();
      const noisy = new NoisyLink(camera.link, rate, 7);
      const client = new V2Client(noisy);
      await client.connect();
      const root = mkdtempSync(join(tmpdir(), 'omvd-robust-root-'));
      const summary = await syncCamera(client, root);
      expect(summary.failed).toEqual([]);
      for (const [name, bytes] of Object.entries(files)) expect(sha(readFileSync(join(root, camera.uid, name)))).toBe(sha(bytes));
      expect(noisy.counts.dropped + noisy.counts.flipped + noisy.counts.inserted).toBeGreaterThan(0);
      client.close();
    }, 120_000);
  }

  it('the camera dies mid-transfer and comes back: the sync resumes from the verified bytes, identical result', async () => {
    const big = recording(400); // ≈ 7.7 MB
    const sd = await sdWith({ 'rec_0001.bin': big });
    const uid = '111122223333444455556666';
    const first = await VirtualCamera.start({ sdDir: sd, uid });
    const root = mkdtempSync(join(tmpdir(), 'omvd-robust-root-'));
    const client = new V2Client(first.link);
    await client.connect();
    await hashed(client, 1);
    let killed = false;
    const failed = await syncCamera(client, root, {
      chunk: 16 * 1024,
      onProgress: (_n, bytes) => {
        if (!killed && bytes > big.length / 2) {
          killed = true;
          void first.kill();
        }
      },
    }).catch((e: unknown) => e);
    expect(killed).toBe(true);
    expect(failed).toBeInstanceOf(Error);
    const second = await VirtualCamera.start({ sdDir: sd, uid });
    cameras.push(second);
    const again = new V2Client(second.link);
    await again.connect();
    await hashed(again, 1);
    const summary = await syncCamera(again, root);
    expect(summary.synced[0]!.resumedFrom).toBeGreaterThan(0);
    expect(sha(readFileSync(join(root, uid, 'rec_0001.bin')))).toBe(sha(big));
    again.close();
  }, 60_000);
});

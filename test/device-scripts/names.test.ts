import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { fetchCatalog, hostName } from '../../host/sync/catalog.js';
import { syncCamera } from '../../host/sync/engine.js';
import { V2Client } from '../../host/v2/client.js';
import { waitFor } from '../support/tools.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const gray = (n: number) => encodeImageIo(Array.from({ length: n }, (_, i) => ({ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(i * 5) })));

describe('device scripts: every file on the card is either offered or reported', () => {
  let camera: VirtualCamera;
  let client: V2Client;
  const sd = mkdtempSync(join(tmpdir(), 'omvd-names-'));
  const odd = 'rec 1 é.bin';

  beforeAll(async () => {
    writeFileSync(join(sd, odd), gray(3));
    writeFileSync(join(sd, 'rec_0002.bin'), gray(2));
    writeFileSync(join(sd, 'notes.txt'), 'not a recording');
    writeFileSync(join(sd, 'fake.bin'), 'not ImageIO either');
    mkdirSync(join(sd, 'DCIM'));
    camera = await VirtualCamera.start({ sdDir: sd });
    client = new V2Client(camera.link);
    await client.connect();
  });

  afterAll(async () => {
    client?.close();
    await camera?.stop();
  });

  it('a name with a space and an accent is a recording like any other; the rest are reported with why', async () => {
    await waitFor(async () => (await fetchCatalog(client)).recordings.every((r) => r.sha256), 'both recordings hashed');
    const catalog = await fetchCatalog(client);
    expect(catalog.recordings.map((r) => [r.cameraName, r.name, r.frames])).toEqual([
      [odd, hostName(odd), 3],
      ['rec_0002.bin', 'rec_0002.bin', 2],
    ]);
    expect(hostName(odd)).toMatch(/^rec_1_e-[0-9a-f]{8}\.bin$/);
    expect(catalog.refused.map((r) => r.reason)).toEqual([
      '"DCIM" on the camera is not synced: a folder',
      '"fake.bin" on the camera is not synced: not an ImageIO recording (no \'OMV IMG STR V\' header)',
      '"notes.txt" on the camera is not synced: not a .bin file',
    ]);
  });

  it('it syncs under its host name, byte-identical and verified', async () => {
    const root = mkdtempSync(join(tmpdir(), 'omvd-names-root-'));
    const summary = await syncCamera(client, root);
    expect(summary.failed).toEqual([]);
    const synced = summary.synced.find((s) => s.name === hostName(odd))!;
    expect(sha(readFileSync(synced.path))).toBe(sha(readFileSync(join(sd, odd))));
    expect(synced.path).toBe(join(root, camera.uid, hostName(odd)));
  });

  it('--delete-after-sync deletes it on the camera by the camera\'s name, and the manifest keeps that name', async () => {
    const root = mkdtempSync(join(tmpdir(), 'omvd-names-root-'));
    const summary = await syncCamera(client, root, { deleteAfterSync: true });
    expect(summary.failed).toEqual([]);
    expect(summary.deleted).toContain(hostName(odd));
    expect(existsSync(join(sd, odd))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(root, camera.uid, 'manifest.json'), 'utf8'));
    expect(manifest.recordings[hostName(odd)].cameraName).toBe(odd);
  });
});

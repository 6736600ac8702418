import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { syncCamera } from '../../host/sync/engine.js';
import { V2Client } from '../../host/v2/client.js';
import { scripted, type Scripted } from '../sim/scripted.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const gray = (n: number) => encodeImageIo(Array.from({ length: n }, (_, i) => ({ elapsedMs: 40, width: 32, height: 24, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(32 * 24).fill(i) })));

/**
 * What a camera looks like after its script died mid-recording on firmware that keeps serving the script's
 * channels (modules/py_protocol.c:425-428): the catalog says the recording is open, forever, and nothing hashes.
 */
const DYING = `
import protocol, time
from omvd.app import App
from omvd import recorder
app = App("/sdcard")
app.register(protocol)
app.recorder.start(recorder.parse({"framesize": "QQQVGA", "fps": 30}))
while app.storage.open_frames < 3:
    app.recorder.step()
    time.sleep_ms(5)
print("dying")
raise MemoryError("the script dies mid-recording")
`;

describe('sync from a camera whose script died', () => {
  let cam: Scripted;
  let client: V2Client;
  const done = gray(4);

  beforeAll(async () => {
    const sd = mkdtempSync(join(tmpdir(), 'omvd-stalled-sd-'));
    writeFileSync(join(sd, 'rec_0001.bin'), done);
    writeFileSync(join(sd, 'rec_0005.bin'), gray(2)); // closed, but never hashed: the script died first
    writeFileSync(join(sd, '.omvd-hashes.json'), JSON.stringify({ 'rec_0001.bin': [done.length, sha(done), 4] }));
    cam = await scripted(DYING, { sdDir: sd });
    await cam.line(/MemoryError: the script dies mid-recording/);
    client = new V2Client(cam.camera.link);
    await client.connect();
  });

  afterAll(async () => {
    client?.close();
    await cam?.camera.stop();
  });

  it('syncs what is complete and reports the recording that stopped growing and the file nobody hashes, without hanging', async () => {
    const root = mkdtempSync(join(tmpdir(), 'omvd-stalled-root-'));
    const summary = await syncCamera(client, root, { stallMs: 1500 });
    expect(summary.synced.map((s) => s.name)).toEqual(['rec_0001.bin']);
    expect(sha(readFileSync(join(root, cam.camera.uid, 'rec_0001.bin')))).toBe(sha(done));
    expect(summary.failed.map((f) => [f.name, f.code])).toEqual([
      ['rec_0002.bin', 'ESTALLED'],
      ['rec_0005.bin', 'ESTALLED'],
    ]);
    expect(summary.failed[0]!.error).toMatch(/rec_0002\.bin is still open on the camera, but has not grown for 2 s: its recorder has stopped/);
    expect(summary.failed[1]!.error).toMatch(/has not hashed rec_0005\.bin, and its hasher has not moved/);
  }, 60_000);
});

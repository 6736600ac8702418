import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseImageIo } from '../../protocol/imageio/index.js';
import { fetchCatalog, type Catalog } from '../../host/sync/catalog.js';
import { cameraCommand } from '../../host/sync/ctl.js';
import { syncCamera } from '../../host/sync/engine.js';
import { V2Client } from '../../host/v2/client.js';
import { REPO, waitFor } from '../support/tools.js';
import { scripted, type Scripted } from '../sim/scripted.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const OMVD_MAIN = { 'omvd_main.py': readFileSync(join(REPO, 'device-scripts/main.py'), 'utf8') };
const RUN_OMVD = 'exec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})\n';
/** ImageIO writes that fail as the firmware's do: the `n`th write of a stream of `kind` raises `error`. */
const failingWrite = (kind: 'FILE_STREAM' | 'MEMORY_STREAM', n: number, error: string): string => `
import image
_real = image.ImageIO.write
_count = [0]
def _write(self, img):
    if self.type() == image.${kind}:
        _count[0] += 1
        if _count[0] == ${n}:
            raise ${error}
    return _real(self, img)
image.ImageIO.write = _write
`;

describe('device scripts: an error ends the recording, never the script', () => {
  const cams: Scripted[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  async function camera(patch: string, options: Parameters<typeof scripted>[1] = {}): Promise<{ cam: Scripted; client: V2Client }> {
    const cam = await scripted(patch + RUN_OMVD, { ...options, files: OMVD_MAIN });
    cams.push(cam);
    const client = new V2Client(cam.camera.link);
    clients.push(client);
    await client.connect();
    return { cam, client };
  }

  /** The catalog once the recorder reports an error and `name` is closed and hashed. */
  async function settled(client: V2Client, name: string): Promise<Catalog> {
    let catalog!: Catalog;
    await waitFor(async () => {
      catalog = await fetchCatalog(client);
      return catalog.recorderError !== null && catalog.recordings.some((r) => r.cameraName === name && !r.open && r.sha256);
    }, `${name} closed and hashed after the error`);
    return catalog;
  }

  it('a full SD card ends the file on a frame boundary; the camera says why, goes on serving, and the file syncs verified', async () => {
    const { cam, client } = await camera('', { sdBytes: 1 << 20 });
    const reply = await cameraCommand(client, { cmd: 'record', framesize: 'QVGA', fps: 30, duration_s: 30 });
    const name = (reply.recording as { file: string }).file;
    const catalog = await settled(client, name);
    expect(catalog.recorderError).toMatch(/^OSError: the storage is full: rec_0001\.bin ends after \d+ frames/);
    const entry = catalog.recordings.find((r) => r.cameraName === name)!;
    const bytes = new Uint8Array(readFileSync(join(cam.camera.sdDir, name)));
    const parsed = parseImageIo(bytes);
    expect(parsed.frames.length).toBe(entry.frames);
    expect(bytes.length).toBe(16 + parsed.frames.length * (32 + 320 * 240)); // nothing after the last whole frame
    expect(parsed.frames.length).toBeGreaterThan(5);
    const status = await cameraCommand(client, { cmd: 'status' });
    expect(status.recording).toBeNull();
    expect((status.recorder_error as { file: string }).file).toBe(name);
    const summary = await syncCamera(client, mkdtempSync(join(tmpdir(), 'omvd-full-root-')));
    expect(summary.failed).toEqual([]);
    expect(summary.synced.map((s) => s.sha256)).toEqual([sha(bytes)]);
  });

  it('an OSError from ImageIO.write mid-recording: the file is closed and hashed, and the next record works', async () => {
    const { client } = await camera(failingWrite('FILE_STREAM', 6, 'OSError("Failed to write requested bytes!")'));
    const first = ((await cameraCommand(client, { cmd: 'record', framesize: 'QQVGA', fps: 30, duration_s: 30 })).recording as { file: string }).file;
    const catalog = await settled(client, first);
    expect(catalog.recorderError).toBe(`OSError: Failed to write requested bytes! ("${first}" ends after 5 frames)`);
    expect(catalog.recordings.find((r) => r.cameraName === first)!.frames).toBe(5);
    const again = await cameraCommand(client, { cmd: 'record', framesize: 'QQVGA', fps: 30, duration_s: 0.5 });
    expect((again.recording as { file: string }).file).not.toBe(first);
    expect((await cameraCommand(client, { cmd: 'status' })).recorder_error).toBeNull();
  });

  it('a MemoryError in the live ring ends a live recording; the camera still answers and reports it', async () => {
    const { client } = await camera(failingWrite('MEMORY_STREAM', 4, 'MemoryError("memory allocation failed, allocating 19232 bytes")'));
    await cameraCommand(client, { cmd: 'record', framesize: 'QQVGA', fps: 30, to: 'memory', live_slots: 4 });
    await waitFor(async () => (await cameraCommand(client, { cmd: 'status' })).recorder_error !== null, 'the recorder to report the error');
    const status = await cameraCommand(client, { cmd: 'status' });
    expect(status.recording).toBeNull();
    expect(status.recorder_error).toMatchObject({ error: 'MemoryError: memory allocation failed, allocating 19232 bytes', file: null, frames: 3 });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseImageIo } from '../../protocol/imageio/index.js';
import { fetchCatalog } from '../../host/sync/catalog.js';
import { cameraCommand } from '../../host/sync/ctl.js';
import { V2Client } from '../../host/v2/client.js';
import { REPO, waitFor } from '../support/tools.js';
import { scripted, type Scripted } from '../sim/scripted.js';

/** omvd's main.py, started by a main.py that first changes the firmware as `patch` says. */
const withPatch = (patch: string): string => `${patch}\nexec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})\n`;
const OMVD_MAIN = { 'omvd_main.py': readFileSync(join(REPO, 'device-scripts/main.py'), 'utf8') };

describe('device scripts: the recorder on real firmware behaviour', () => {
  const cams: Scripted[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  async function camera(options: Parameters<typeof scripted>[1] = {}, patch = ''): Promise<{ cam: Scripted; client: V2Client }> {
    const cam = await scripted(withPatch(patch), { ...options, files: OMVD_MAIN });
    cams.push(cam);
    const client = new V2Client(cam.camera.link);
    clients.push(client);
    await client.connect();
    return { cam, client };
  }

  /**
   * Waits for the recording to close and returns its frame period: the slope of frame time over frame number, a
   * least-squares fit, so a frame that came late on a busy machine (and the quick ones that catch up) count little.
   */
  async function finished(cam: Scripted, client: V2Client, name: string): Promise<{ frames: number; meanMs: number }> {
    await waitFor(async () => (await fetchCatalog(client)).recordings.some((r) => r.cameraName === name && !r.open), `${name} to close`);
    const frames = parseImageIo(new Uint8Array(readFileSync(join(cam.camera.sdDir, name)))).frames;
    const t: number[] = [];
    for (const f of frames.slice(1)) t.push((t.at(-1) ?? 0) + f.elapsedMs); // the first frame's is since the stream opened
    const k = t.map((_, i) => i);
    const mk = k.reduce((a, b) => a + b, 0) / k.length;
    const mt = t.reduce((a, b) => a + b, 0) / t.length;
    const slope = k.reduce((a, ki, i) => a + (ki - mk) * (t[i]! - mt), 0) / k.reduce((a, ki) => a + (ki - mk) ** 2, 0);
    return { frames: frames.length, meanMs: slope };
  }

  it('7.5 fps is 7.5 fps: the sensor is asked for 8 (it takes whole numbers), the loop paces the rest', async () => {
    const { cam, client } = await camera();
    const reply = await cameraCommand(client, { cmd: 'record', framesize: 'QQVGA', fps: 7.5, duration_s: 3 });
    expect(reply.controls).toMatchObject({ fps: 7.5, sensor_fps: 8 });
    const { meanMs } = await finished(cam, client, (reply.recording as { file: string }).file);
    expect(meanMs).toBeGreaterThan((1000 / 7.5) * 0.97);
    expect(meanMs).toBeLessThan((1000 / 7.5) * 1.03);
  });

  it('a sensor whose rate cannot be set (RuntimeError, as the firmware raises) is paced by the loop', async () => {
    const { cam, client } = await camera({ fps: 30 }, 'import sensor\ndef _refuse(fps):\n    raise RuntimeError("Sensor control failed.")\nsensor.set_framerate = _refuse');
    const reply = await cameraCommand(client, { cmd: 'record', framesize: 'QQVGA', fps: 10, duration_s: 2 });
    expect(reply.controls).toMatchObject({ fps: 10, sensor_fps: null });
    const { meanMs } = await finished(cam, client, (reply.recording as { file: string }).file);
    expect(meanMs).toBeGreaterThan(97);
    expect(meanMs).toBeLessThan(103);
  });

  it('a pixformat the sensor cannot make is refused naming the field, with the firmware\'s reason', async () => {
    const { client } = await camera({ board: 'NICLA' });
    await expect(cameraCommand(client, { cmd: 'record', pixformat: 'JPEG' })).rejects.toThrow(/record: this sensor cannot do pixformat JPEG \(RuntimeError: Sensor control failed\.\)/);
  });

  it('fixed exposure and gain on a sensor without them: the reply says they are not confirmed (the firmware only warns)', async () => {
    const { cam, client } = await camera({ board: 'NICLA' });
    const reply = await cameraCommand(client, { cmd: 'record', exposure_us: 8000, gain_db: 6, duration_s: 1 });
    expect(reply.controls).toMatchObject({ exposure_us: null, gain_db: null });
    const warnings = reply.warnings as string[];
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^exposure_us: the sensor cannot report it, so 8000 us is not confirmed/);
    expect(warnings[1]).toMatch(/^gain_db: the sensor cannot report it, so 6 dB is not confirmed/);
    expect(cam.lines.some((l) => l.includes('WARNING: Auto Gain control is not supported'))).toBe(true);
    const status = await cameraCommand(client, { cmd: 'status' });
    expect((status.recording as { warnings: string[] }).warnings).toEqual(warnings);
  });

  it('fixed exposure and gain on a sensor with them are read back', async () => {
    const { client } = await camera();
    const reply = await cameraCommand(client, { cmd: 'record', exposure_us: 8000, gain_db: 6, duration_s: 1 });
    expect(reply.controls).toMatchObject({ exposure_us: 8000, gain_db: 6 });
    expect(reply.warnings).toEqual([]);
  });
});

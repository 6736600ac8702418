import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OMVD_CHANNELS } from '../../host/sync/catalog.js';
import { V2Client } from '../../host/v2/client.js';
import { REPO, waitFor } from '../support/tools.js';
import { scripted, type Scripted } from '../sim/scripted.js';

/** The layout --install-scripts leaves on a camera: the package in /flash/lib/omvd, main.py as /flash/omvd_main.py. */
const installed = (): Record<string, string> => {
  const files: Record<string, string> = { 'omvd_main.py': readFileSync(join(REPO, 'device-scripts/main.py'), 'utf8') };
  for (const name of readdirSync(join(REPO, 'device-scripts/omvd'))) files[`lib/omvd/${name}`] = readFileSync(join(REPO, 'device-scripts/omvd', name), 'utf8');
  return files;
};

describe('device scripts: main.py finds its package wherever it was installed', () => {
  const cams: Scripted[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  it('in /flash/lib on firmware whose sys.path lacks /flash/lib (no _boot.py, as the QEMU port)', async () => {
    // Only the built-in modules and MicroPython's own entries on sys.path; the working folder is the root.
    const boot = 'import sys, os\nsys.path[:] = ["/fw", "", ".frozen"]\nos.chdir("/")\nexec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})\n';
    const cam = await scripted(boot, { files: installed(), withoutPackage: true });
    cams.push(cam);
    const client = new V2Client(cam.camera.link);
    clients.push(client);
    await client.connect();
    await waitFor(async () => Object.values(OMVD_CHANNELS).every((n) => client.channelId(n) !== undefined) || (await client.listChannels(), false), 'omvd\'s channels');
    expect(cam.lines.filter((l) => l.includes('ImportError'))).toEqual([]);
  });
});

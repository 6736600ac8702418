import { OmvError } from '../../protocol/errors.js';
import { connectCamera } from '../discovery/connect.js';
import type { ClientOptions } from '../v2/client.js';

/**
 * The ports, among `ports`, of the cameras with these unique ids (in the order the ids are given), found by asking
 * each port which camera it is. A port with no camera on it is passed over; an id found on none is an ENOCAMERA.
 */
export async function portsOfCameras(ids: readonly string[], ports: readonly string[], options: ClientOptions = {}): Promise<string[]> {
  const wanted = [...new Set(ids.map((i) => i.toUpperCase()))];
  const found = new Map<string, string>();
  for (const port of ports) {
    const conn = await connectCamera(port, options).catch(() => null);
    if (!conn) continue;
    found.set(conn.client.camera.sysInfo.uniqueId.toUpperCase(), port);
    await conn.close();
  }
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length) throw new OmvError('ENOCAMERA', `--camera ${missing.join(', ')}: no camera on ${ports.join(', ')} has ${missing.length === 1 ? 'that id' : 'those ids'} (found: ${[...found].map(([id, p]) => `${id} on ${p}`).join(', ') || 'none'})`);
  return wanted.map((id) => found.get(id)!);
}

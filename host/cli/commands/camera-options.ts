import { resolve } from 'node:path';
import { connectCamera, type Connection } from '../../discovery/connect.js';
import { listPorts } from '../../discovery/ports.js';
import { OmvError } from '../../../protocol/errors.js';

export const DEFAULT_ROOT = './omvd-data';

export const portOption = { type: 'string', describe: 'serial port of the camera (default: every OpenMV camera found by USB id)' } as const;
export const rootOption = { type: 'string', default: DEFAULT_ROOT, describe: 'folder the recordings are mirrored into, one subfolder per camera id' } as const;
export const jsonOption = { type: 'boolean', default: false, describe: 'print JSON for scripts instead of text' } as const;

export class NoCameraError extends OmvError {
  constructor() {
    super('ENOCAMERA', 'no OpenMV camera found: plug one in, or name its port with --port (a virtual one: `omvd sim --pty ./cam`, then --port ./cam)');
  }
}

/** The ports a command works on: those given, or every port with an OpenMV camera's USB id. */
export async function cameraPorts(port: string | string[] | undefined): Promise<string[]> {
  const given = (Array.isArray(port) ? port : port ? [port] : []).filter((p) => p !== 'auto');
  if (given.length) return given.map((p) => resolve(p));
  const found = (await listPorts()).filter((p) => p.identity?.role === 'camera').map((p) => p.path);
  if (found.length === 0) throw new NoCameraError();
  return found;
}

/** Connects to each port in turn, runs `use`, and always disconnects. */
export async function withCameras<T>(port: string | undefined, use: (conn: Connection) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const path of await cameraPorts(port)) {
    const conn = await connectCamera(path);
    try {
      results.push(await use(conn));
    } finally {
      await conn.close();
    }
  }
  return results;
}

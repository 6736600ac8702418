import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OmvError } from '../../protocol/errors.js';
import { connectCamera, type Connection } from '../discovery/connect.js';
import { listPorts } from '../discovery/ports.js';
import type { CameraJson } from '../daemon/camera.js';
import type { ClientOptions } from '../v2/client.js';
import { DaemonClient } from './client.js';
import type { StatusJson } from './routes.js';

/** A camera port a daemon serves, as it last said. */
export interface Served {
  daemon: DaemonClient;
  status: StatusJson;
  camera: CameraJson;
}

/** How long a command waits for a daemon that is still connecting to the port it names. */
const CONNECTING_WAIT_MS = 20_000;

const same = async (a: string, b: string): Promise<boolean> => a === b || (await realpath(a).catch(() => a)) === (await realpath(b).catch(() => b));

/**
 * The daemons a command can reach, and which camera ports they serve: a port a daemon serves is used through it
 * (the daemon holds it), any other port directly.
 */
export class Daemons {
  private constructor(private readonly found: { client: DaemonClient; status: StatusJson }[]) {}

  static async find(): Promise<Daemons> {
    const { daemons } = await DaemonClient.find();
    return new Daemons(await Promise.all(daemons.map(async (client) => ({ client, status: await client.json<StatusJson>('GET', '/api/v1/status') }))));
  }

  get running(): boolean {
    return this.found.length > 0;
  }

  /** Every port some daemon serves. */
  get ports(): string[] {
    return this.found.flatMap((d) => d.status.cameras.map((c) => c.port));
  }

  /** The first daemon's page on 127.0.0.1 (null: no daemon, or none serves a page). */
  get page(): string | null {
    return this.found.find((d) => d.status.url)?.status.url ?? null;
  }

  /** The daemon serving `port`, once it is past connecting to it (null: none serves it). */
  async serving(port: string): Promise<Served | null> {
    for (const d of this.found) {
      for (const c of d.status.cameras) {
        if (!(await same(c.port, port))) continue;
        let camera = c;
        for (const end = Date.now() + CONNECTING_WAIT_MS; camera.state === 'connecting' && Date.now() < end; ) {
          await sleep(100);
          camera = (await d.client.json<{ cameras: CameraJson[] }>('GET', '/api/v1/cameras')).cameras.find((x) => x.port === c.port) ?? camera;
        }
        return { daemon: d.client, status: d.status, camera };
      }
    }
    return null;
  }
}

/** The camera a daemon serves on a port, or why it has none (the daemon's own reason: no camera answered, it went away). */
export function connected(served: Served): CameraJson & { id: string } {
  const c = served.camera;
  if (c.state !== 'connected' || !c.id) {
    const why = c.problem ?? { code: 'ENOCAMERA', error: `the daemon is still connecting to ${c.port}` };
    throw new OmvError(why.code, `${why.error} (the omvd daemon on ${served.daemon.socket} watches ${c.port} and keeps trying)`);
  }
  return c as CameraJson & { id: string };
}

/** `sync --once` into another root than the one the daemon serving the camera syncs into. */
export class DaemonRootError extends OmvError {
  constructor(port: string, socket: string, root: string) {
    super('EDAEMONROOT', `the camera on ${port} is served by the omvd daemon (${socket}), which syncs it into ${root}: give --root ${root}, or stop the daemon to sync it elsewhere`);
  }
}

export class NoCameraError extends OmvError {
  constructor() {
    super('ENOCAMERA', 'no OpenMV camera found: plug one in, or name its port with --port (a virtual one: `omvd sim --pty ./cam`, then --port ./cam)');
  }
}

/** The ports a command works on: those given, or every attached OpenMV camera and every camera a daemon serves. */
export async function commandPorts(port: string | string[] | undefined, daemons: Daemons): Promise<string[]> {
  const given = (Array.isArray(port) ? port : port ? [port] : []).filter((p) => p !== 'auto');
  if (given.length) return given.map((p) => resolve(p));
  const found = [...new Set([...(await listPorts()).filter((p) => p.identity?.role === 'camera').map((p) => p.path), ...daemons.ports])];
  if (found.length === 0) throw new NoCameraError();
  return found;
}

/**
 * Runs, for each port in turn, `daemon` when a daemon serves it and `direct` (with a connection this command opens
 * and closes) otherwise: the same answer either way.
 */
export async function eachCamera<T>(port: string | undefined, options: ClientOptions, use: { direct(conn: Connection): Promise<T>; daemon(served: Served, camera: CameraJson & { id: string }, port: string): Promise<T> }): Promise<T[]> {
  const daemons = await Daemons.find();
  const results: T[] = [];
  for (const path of await commandPorts(port, daemons)) {
    const served = await daemons.serving(path);
    if (served) {
      results.push(await use.daemon(served, connected(served), path));
      continue;
    }
    const conn = await connectCamera(path, options);
    try {
      results.push(await use.direct(conn));
    } finally {
      await conn.close();
    }
  }
  return results;
}

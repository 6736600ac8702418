import { OmvError } from '../../protocol/errors.js';
import { Captures } from '../daemon/captures.js';
import type { Daemon } from '../daemon/daemon.js';
import type { Logger } from '../log.js';
import { writeToken } from './auth.js';
import { tokenPath } from './paths.js';
import { apiRoutes, type Hub } from './routes.js';
import { ApiServer } from './server.js';

export interface ApiOptions {
  socket: string;
  /** The socket was named (OMVD_SOCKET): another daemon on it is an error, not a reason to run without the API. */
  explicit: boolean;
  /** Members of the daemon's group may use the socket (mode 0660). */
  group: boolean;
  /** The page's port on 127.0.0.1 (0: any free one; null: no page). */
  pagePort: number | null;
  /** The page's port was named: a busy one is an error, not a reason to take another. */
  pagePortGiven: boolean;
  log: Logger;
}

/**
 * Serves the daemon's API on its socket and the page on 127.0.0.1. Without an explicit socket, a second daemon of
 * the same user runs without the API (the first one has it), and a busy default page port gives way to a free one.
 */
export async function serveApi(daemon: Daemon, o: ApiOptions): Promise<{ url: string | null; close(): Promise<void> } | null> {
  const hub: Hub = { daemon, captures: new Captures(daemon), socket: o.socket, url: null };
  const server = new ApiServer(apiRoutes(hub));
  try {
    await server.listenSocket(o.socket, o.group);
  } catch (e) {
    if ((e as OmvError).code !== 'EDAEMONRUNNING' || o.explicit) throw e;
    o.log.warn(`${(e as Error).message}; this daemon runs without the API`);
    return null;
  }
  if (o.pagePort !== null) {
    const token = await writeToken(tokenPath(o.socket)).catch(async (e: unknown) => {
      await server.close();
      throw new OmvError('ESOCKET', `cannot write the API token beside ${o.socket}: ${(e as Error).message}`);
    });
    try {
      hub.url = await server.listenLoopback(o.pagePort, token);
    } catch (e) {
      if (o.pagePortGiven) {
        await server.close();
        throw e;
      }
      hub.url = await server.listenLoopback(0, token);
      o.log.warn(`${(e as Error).message.split(':')[0]}; the page is on ${hub.url} instead (omvd status shows it)`);
    }
  }
  o.log.info({ socket: o.socket, url: hub.url }, `API on ${o.socket}${hub.url ? `, page on ${hub.url}` : ''}`);
  return { url: hub.url, close: () => server.close() };
}

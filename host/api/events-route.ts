import type { EventBus } from '../daemon/events.js';
import type { Route } from './server.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/events`: the daemon's events as they happen, as server-sent events, or as JSON lines when asked
 * for `application/x-ndjson` (what a script on the socket reads most simply).
 */
export function eventRoute(events: EventBus): Route {
  return {
    method: 'GET',
    path: '/api/v1/events',
    handle: async ({ req, res }) => {
      const lines = (req.headers.accept ?? '').includes('application/x-ndjson');
      res.writeHead(200, { 'content-type': lines ? 'application/x-ndjson' : 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.write(lines ? '' : 'retry: 2000\n\n');
      const unsubscribe = events.subscribe((e) => {
        res.write(lines ? `${JSON.stringify(e)}\n` : `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const heartbeat = lines ? undefined : setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS); // proxies close silent streams
      req.once('close', () => {
        unsubscribe();
        clearInterval(heartbeat);
      });
    },
  };
}

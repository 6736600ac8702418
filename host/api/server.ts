import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListenError } from '../view/server.js';
import { hostAllowed, tokenGiven } from './auth.js';
import { ApiError, errorBody, statusFor } from './errors.js';
import { listenSocket } from './socket.js';

/** What a route is handed: the request, its checked path parameters, its parsed JSON body, and the response. */
export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  req: IncomingMessage;
  res: ServerResponse;
}

export interface Route {
  method: 'GET' | 'POST';
  /** `/api/v1/cameras/:camera/frame.jpg`: each `:name` must match PARAMS[name]. */
  path: string;
  /** Served on the loopback HTTP side without the token: only what the read-only page shows. */
  public?: boolean;
  /** A JSON body (returned with status 200, or `status`), or nothing when the handler answered itself (streams). */
  handle(r: ApiRequest): Promise<{ status?: number; json: unknown } | void>;
}

/** What path parameters may be: anything else (`..`, `%2F`, a slash) is refused before a route runs. */
const PARAMS: Record<string, RegExp> = { camera: /^[0-9A-F]{24}$/, capture: /^c[0-9]{1,9}$/ };
const MAX_BODY = 64 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, JSON_HEADERS).end(`${JSON.stringify(body)}\n`);
}

function match(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } {
  if (!/^\/[A-Za-z0-9/_.-]*$/.test(path) || path.includes('..') || path.includes('//')) throw new ApiError(400, 'EBADPATH', `${path.slice(0, 200)}: not a path of this API (letters, digits, / _ . - only)`);
  const parts = path.split('/');
  let allowed = false;
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let bad: string | null = null;
    const same = pattern.every((p, i) => {
      if (!p.startsWith(':')) return p === parts[i];
      if (!PARAMS[p.slice(1)]!.test(parts[i]!)) bad ??= `${p.slice(1)} ${JSON.stringify(parts[i]!.slice(0, 64))}`;
      params[p.slice(1)] = parts[i]!;
      return true;
    });
    if (!same) continue;
    if (bad) throw new ApiError(400, 'EBADID', `${bad} is not an id (camera ids are 24 hex digits, capture ids c1, c2, …)`);
    if (route.method === method) return { route, params };
    allowed = true;
  }
  if (allowed) throw new ApiError(405, 'EMETHOD', `${method} is not allowed on ${path}`);
  throw new ApiError(404, 'ENOTFOUND', `${path} is not a resource of this API (see GET /api/v1/status)`);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new ApiError(413, 'ETOOLARGE', `the body is ${declared} bytes; at most ${MAX_BODY}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, 'ETOOLARGE', `the body is over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new ApiError(415, 'EMEDIATYPE', 'send the body as Content-Type: application/json');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 'EBADJSON', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The daemon's API: the same routes on a Unix socket (its file mode is the access check) and, for the browser
 * page, on 127.0.0.1 only, where the Host header must name that address and everything but the read-only page
 * needs the token. No CORS headers are ever sent, so other sites' pages cannot read any answer.
 */
export class ApiServer {
  private readonly servers: Server[] = [];

  constructor(private readonly routes: readonly Route[]) {}

  /** `loopback`: the port the request came to on 127.0.0.1 and the token it must carry; null on the socket. */
  private handler(loopback: { port: number; token: string } | null): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      void (async () => {
        if (loopback && !hostAllowed(req, loopback.port)) throw new ApiError(403, 'EHOST', `Host ${JSON.stringify(req.headers.host ?? '')} is not this daemon's address (127.0.0.1:${loopback.port}): requests must come to that address`);
        // The path as sent, before URL parsing would resolve its `..`: a path trick is refused, not normalised.
        const path = (req.url ?? '/').split('?')[0]!;
        const url = new URL(req.url ?? '/', 'http://localhost');
        const { route, params } = match(this.routes, req.method ?? '', path);
        if (loopback && !route.public && !tokenGiven(req, loopback.token)) throw new ApiError(401, 'ETOKEN', `${path} needs the daemon's token (Authorization: Bearer …, from the file beside its socket), or use the socket`);
        const body = route.method === 'POST' ? await readBody(req) : undefined;
        const answer = await route.handle({ params, query: url.searchParams, body, req, res });
        if (answer) sendJson(res, answer.status ?? 200, answer.json);
      })().catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        sendJson(res, statusFor(err), errorBody(err));
        if (err instanceof ApiError && err.status === 413) req.destroy();
      });
    };
  }

  async listenSocket(path: string, group: boolean): Promise<void> {
    const server = createServer(this.handler(null));
    await listenSocket(server, path, group);
    this.servers.push(server);
  }

  /** Listens on 127.0.0.1:port (0: any free one), where all but the public routes need `token`; returns the page's URL. */
  async listenLoopback(port: number, token: string): Promise<string> {
    const server = createServer();
    await new Promise<void>((ok, fail) => {
      server.once('error', (err: NodeJS.ErrnoException) => fail(new ListenError(`127.0.0.1:${port}`, err)));
      server.listen(port, '127.0.0.1', ok);
    });
    const bound = (server.address() as AddressInfo).port;
    server.on('request', this.handler({ port: bound, token }));
    server.maxConnections = 64;
    this.servers.push(server);
    return `http://127.0.0.1:${bound}/`;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((ok) => {
            s.close(() => ok());
            s.closeAllConnections(); // event streams and pages left open
          }),
      ),
    );
  }
}

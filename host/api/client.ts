import { request, type IncomingMessage } from 'node:http';
import { OmvError } from '../../protocol/errors.js';
import { clientSockets } from './paths.js';

export class DaemonGoneError extends OmvError {
  constructor(socket: string, why: string) {
    super('EDAEMON', `the omvd daemon on ${socket} stopped answering (${why}); run the command again (it opens the camera itself when no daemon runs)`);
  }
}

export class NoDaemonError extends OmvError {
  constructor(sockets: string[], denied: string[]) {
    const why = denied.length ? `; ${denied.join(' and ')} ${denied.length === 1 ? 'is' : 'are'} not open to you (join the daemon's group: usermod -aG omvd $USER, then log in again)` : '';
    super('ENODAEMON', `no daemon: none answers on ${sockets.join(' or ')}${why} (start one with omvd daemon, or set OMVD_SOCKET)`);
  }
}

/** A running daemon, reached over its Unix socket (whose file mode decides who may). */
export class DaemonClient {
  constructor(readonly socket: string) {}

  /** The daemons this user can reach: $OMVD_SOCKET's, else their own and the service's. `denied`: sockets there but closed to them. */
  static async find(): Promise<{ daemons: DaemonClient[]; denied: string[] }> {
    const daemons: DaemonClient[] = [];
    const denied: string[] = [];
    for (const socket of clientSockets()) {
      const d = new DaemonClient(socket);
      try {
        await d.json('GET', '/api/v1/status');
        daemons.push(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EACCES') denied.push(socket);
      }
    }
    return { daemons, denied };
  }

  /** Sends a request; resolves with the response once its head arrived (the body is the caller's to read). */
  open(method: 'GET' | 'POST', path: string, body?: unknown, { accept = 'application/json', signal }: { accept?: string; signal?: AbortSignal } = {}): Promise<IncomingMessage> {
    return new Promise((ok, fail) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers = { accept, ...(text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }) };
      const req = request({ socketPath: this.socket, method, path, headers, ...(signal ? { signal } : {}) }, ok);
      req.once('error', fail);
      req.end(text);
    });
  }

  /** A JSON request; a daemon's `{"ok": false, "error"}` is thrown as an OmvError with its code. */
  async json<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.open(method, path, body, signal ? { signal } : {});
    let text = '';
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    } catch (e) {
      throw new DaemonGoneError(this.socket, (e as Error).message);
    }
    let doc: { ok?: boolean; error?: { code?: string; message?: string } };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new DaemonGoneError(this.socket, `it answered ${path} with something that is not JSON (HTTP ${res.statusCode})`);
    }
    if (doc.ok === false) throw new OmvError(doc.error?.code ?? 'EINTERNAL', doc.error?.message ?? `the daemon refused ${method} ${path}`);
    return doc as T;
  }
}

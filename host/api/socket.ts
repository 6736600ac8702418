import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { OmvError } from '../../protocol/errors.js';

/** The API socket (or its folder) is not safe to serve on: another user could reach or replace it. */
export class SocketError extends OmvError {
  constructor(message: string) {
    super('ESOCKET', message);
  }
}

/** Another daemon already answers on the socket. */
export class DaemonRunningError extends OmvError {
  constructor(path: string) {
    super('EDAEMONRUNNING', `another omvd daemon already serves ${path}: stop it first, or give this one its own socket (OMVD_SOCKET=/path/to/daemon.sock omvd daemon …)`);
  }
}

const uid = (): number | undefined => process.getuid?.();
const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/** Whether something answers on the socket at `path` (a stale file left by a killed daemon does not). */
export function answers(path: string): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
  });
}

/** The socket's folder: ours, and writable by nobody else (else a stale-socket cleanup could be played). */
async function checkFolder(dir: string, group: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: group ? 0o750 : 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new SocketError(`${dir} (for the API socket) is not a folder`);
  if (st.uid !== uid()) throw new SocketError(`${dir} (for the API socket) belongs to user ${st.uid}, not to this daemon's user: remove it, or set OMVD_SOCKET to a path in a folder of your own`);
  if (st.mode & 0o022) throw new SocketError(`${dir} (for the API socket) is writable by others (mode ${octal(st.mode)}): chmod go-w it, or set OMVD_SOCKET elsewhere`);
}

/**
 * Listens on the Unix socket at `path`: owner-only (mode 0600), or 0660 for the daemon's group with `group`. A socket
 * file no daemon answers on is a stale one and is replaced; the mode is checked once listening.
 */
export async function listenSocket(server: Server, path: string, group: boolean): Promise<void> {
  await checkFolder(dirname(path), group);
  const old = await lstat(path).catch(() => null);
  if (old) {
    if (!old.isSocket()) throw new SocketError(`${path} exists and is not a socket: move it away, or set OMVD_SOCKET elsewhere`);
    if (await answers(path)) throw new DaemonRunningError(path);
    await unlink(path);
  }
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => {
      server.off('error', fail);
      ok();
    });
  });
  const want = group ? 0o660 : 0o600;
  await chmod(path, want);
  const st = await lstat(path);
  if ((st.mode & 0o777) !== want || st.uid !== uid()) {
    server.close();
    throw new SocketError(`${path} has mode ${octal(st.mode)} (owner ${st.uid}) after it was made ${octal(want)}: its folder's filesystem does not keep modes; set OMVD_SOCKET elsewhere`);
  }
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { lstat, open, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { SocketError } from './socket.js';

/**
 * A new token for the loopback HTTP side, in a file only the daemon's user can read (mode 0600, written to a
 * temporary name and renamed, so it is never readable half-written or with a wider mode).
 */
export async function writeToken(path: string): Promise<string> {
  const token = randomBytes(32).toString('hex');
  const tmp = `${path}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${token}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const st = await lstat(path);
  if ((st.mode & 0o077) !== 0) throw new SocketError(`${path} (the API token) is readable by others (mode 0${(st.mode & 0o777).toString(8)}) after it was written 0600`);
  return token;
}

/**
 * The Host header of a loopback request names the address the daemon listens on (127.0.0.1:PORT or
 * localhost:PORT): a page of another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own
 * name, and is refused.
 */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** `Authorization: Bearer <token>` carries the daemon's token. */
export function tokenGiven(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer ([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  return m !== null && timingSafeEqual(Buffer.from(m[1]!), Buffer.from(token));
}

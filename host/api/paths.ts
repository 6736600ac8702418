import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The service's socket: systemd makes /run/omvd for it (RuntimeDirectory=omvd in the unit install-service prints). */
export const SERVICE_SOCKET = '/run/omvd/daemon.sock';

/** A user's own daemon: in the login session's runtime folder, else in a folder of the user's own under /tmp. */
export function userSocket(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime ? join(runtime, 'omvd', 'daemon.sock') : join(tmpdir(), `omvd-${process.getuid?.() ?? 'user'}`, 'daemon.sock');
}

/** Where `omvd daemon` serves its API: $OMVD_SOCKET, else the user's socket. */
export function daemonSocket(): string {
  return process.env.OMVD_SOCKET ? resolve(process.env.OMVD_SOCKET) : userSocket();
}

/** Where every other command looks for a daemon: $OMVD_SOCKET only, else the user's own, then the service's. */
export function clientSockets(): string[] {
  if (process.env.OMVD_SOCKET) return [resolve(process.env.OMVD_SOCKET)];
  return [...new Set([userSocket(), SERVICE_SOCKET])];
}

/** The token for the loopback HTTP side lives beside the socket, readable by the daemon's user only. */
export function tokenPath(socket: string): string {
  return join(dirname(socket), 'token');
}

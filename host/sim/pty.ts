import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { OmvError } from '../../protocol/errors.js';
import { packageInfo } from '../package-info.js';

export class PtyError extends OmvError {
  constructor(message: string) {
    super('EPTY', message);
  }
}

export interface PtyServer {
  /** The pseudo-terminal's device path (`path` is a symlink to it). */
  device: string;
  path: string;
  close(): Promise<void>;
}

/** Whether a port can be served at `path`: its folder exists, and no running virtual camera serves it already. */
export function checkPtyPath(path: string): void {
  const folder = dirname(path);
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new PtyError(`cannot serve a port at ${path}: the folder ${folder} does not exist; create it, or choose another --pty path`);
  const target = lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(path) : null;
  // The bridge links `path` to its pty and removes the link when it stops: a link to a pty that exists is one a
  // running virtual camera serves (a leftover of one that was killed points to a pty that is gone).
  if (target !== null && existsSync(target)) throw new PtyError(`${path} is already served by a running virtual camera (it leads to ${target}); stop that one, or choose another --pty path (if nothing serves it, remove the link: rm ${path})`);
}

/**
 * Serves a duplex byte link (the virtual camera's USB port) on a pseudo-terminal at `path`, which any serial program
 * can open. Node cannot make a pty by itself; a small Python bridge (standard library only) does.
 */
export async function servePty(link: Duplex, path: string): Promise<PtyServer> {
  checkPtyPath(path);
  const bridge = join(packageInfo().root, 'host/sim/pty-bridge.py');
  const child: ChildProcess = spawn(process.env.OMVD_PYTHON ?? 'python3', [bridge, path], { stdio: ['pipe', 'pipe', 'pipe'] });
  const device = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.once('error', (e) => reject(new PtyError(`cannot start the pty bridge (python3): ${e.message}; install python3 or set OMVD_PYTHON`)));
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /^PTY (\S+)$/m.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new PtyError(`the pty bridge exited (${code}) before serving ${path}: ${err.trim()}`)));
  });
  child.stdout!.on('data', (d: Buffer) => link.write(d));
  link.on('data', (d: Buffer) => child.stdin!.write(d));
  child.stdin!.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    device,
    path,
    async close() {
      link.unpipe?.();
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { loadConfig } from '../../config/config.js';
import { connectCamera, type Connection } from '../../discovery/connect.js';
import { listPorts } from '../../discovery/ports.js';
import type { Logger } from '../../log.js';
import type { ClientOptions } from '../../v2/client.js';
import type { LinkPolicy } from '../../v2/policy.js';
import { OmvError } from '../../../protocol/errors.js';
import { UsageError } from '../usage-error.js';

export const DEFAULT_ROOT = './omvd-data';

export const portOption = { type: 'string', describe: 'serial port of the camera (default: every OpenMV camera found by USB id)' } as const;
export const rootOption = { type: 'string', default: DEFAULT_ROOT, describe: 'folder the recordings are mirrored into, one subfolder per camera id' } as const;
export const jsonOption = { type: 'boolean', default: false, describe: 'print JSON for scripts instead of text' } as const;

export interface LinkArgs {
  timeout?: number;
  retries?: number;
}

/** --timeout and --retries, the same on every command that talks to a camera. */
export function linkOptions<T>(y: Argv<T>): Argv<T & LinkArgs> {
  return y
    .option('timeout', { type: 'number', describe: 'ms a camera may stay silent before it counts as gone (default 5000, or link.timeout_ms of the config file); lost requests are sent again long before' })
    .option('retries', { type: 'number', describe: 'times one request may fail in a row and be sent again (default 40, or link.retries of the config file)' }) as Argv<T & LinkArgs>;
}

/** The link policy: the config file's, with --timeout / --retries over it. */
export async function linkPolicy(args: LinkArgs): Promise<LinkPolicy> {
  const policy = { ...(await loadConfig()).link };
  if (args.timeout !== undefined) {
    if (!Number.isInteger(args.timeout) || args.timeout < 100) throw new UsageError(`--timeout ${args.timeout}: give whole milliseconds, at least 100`);
    policy.timeoutMs = args.timeout;
  }
  if (args.retries !== undefined) {
    if (!Number.isInteger(args.retries) || args.retries < 0) throw new UsageError(`--retries ${args.retries}: give a whole number, 0 or more`);
    policy.retries = args.retries;
  }
  return policy;
}

/** What every command's camera connections are made with: the link policy and the command's logger. */
export async function clientOptions(args: LinkArgs, log?: Logger): Promise<ClientOptions> {
  return { policy: await linkPolicy(args), ...(log ? { log } : {}) };
}

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
export async function withCameras<T>(port: string | undefined, options: ClientOptions, use: (conn: Connection) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const path of await cameraPorts(port)) {
    const conn = await connectCamera(path, options);
    try {
      results.push(await use(conn));
    } finally {
      await conn.close();
    }
  }
  return results;
}

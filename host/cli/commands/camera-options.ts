import type { Argv } from 'yargs';
import { commandPorts, Daemons } from '../../api/route.js';
import { loadConfig } from '../../config/config.js';
import type { Logger } from '../../log.js';
import type { ClientOptions } from '../../v2/client.js';
import type { LinkPolicy } from '../../v2/policy.js';
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

/** The ports a command works on: those given, or every OpenMV camera attached and every camera a daemon serves. */
export async function cameraPorts(port: string | string[] | undefined): Promise<string[]> {
  return commandPorts(port, await Daemons.find());
}

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI (test/support/build.ts compiles it once per run): what `omvd` runs once installed. */
export const OMVD_BIN = resolve(REPO, 'dist/host/cli/main.js');
/** Debian's interpreter: the one with python3-h5py and python3-numpy (the first python3 on PATH may be a pyenv without them). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
/**
 * Each test file's own runtime folder, where a daemon it starts puts its API socket (as in a login session): the
 * commands of one file never find another file's daemon running beside it.
 */
const RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'omvd-run-'));

/** The longest any one CLI run in a test may take before it is killed and the test fails. */
export const CHILD_TIMEOUT_MS = 120_000;

/** Runs a Python snippet with Debian's h5py/numpy and returns its stdout; fails the test loudly if they are missing. */
export function python(code: string, ...args: string[]): string {
  const check = spawnSync(DEBIAN_PYTHON, ['-c', 'import h5py, numpy'], { timeout: CHILD_TIMEOUT_MS });
  if (check.status !== 0) throw new Error(`${DEBIAN_PYTHON} with h5py and numpy is required (apt-get install python3-h5py python3-numpy; .ci/run does): ${check.stderr}`);
  return execFileSync(DEBIAN_PYTHON, ['-c', code, ...args], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
}

/** Runs a command-line tool, failing loudly if it is not installed. */
export function tool(command: string, args: string[], pkg: string): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${command} is required: apt-get install ${pkg} (.ci/run does)`);
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the omvd CLI to completion, as a user runs the installed binary; a run past `timeoutMs` fails the test. */
export function omvd(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = CHILD_TIMEOUT_MS): CliResult {
  const r = spawnSync(process.execPath, [OMVD_BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME_DIR, NO_COLOR: '1', ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`omvd ${args.join(' ')}: ${r.error.message} (killed after ${timeoutMs} ms)\n${r.stderr}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process ends. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGINT) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts the omvd CLI in the background (at niceness `nice`, if given); it is SIGKILLed if it outlives `timeoutMs`. */
export function spawnOmvd(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = CHILD_TIMEOUT_MS, nice?: number): CliProcess {
  const command = nice === undefined ? [process.execPath, OMVD_BIN, ...args] : ['nice', '-n', String(nice), process.execPath, OMVD_BIN, ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd: REPO, env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME_DIR, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | string>((ok) =>
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      ok(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until `check()` holds, looking every `everyMs`; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

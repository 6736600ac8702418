import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Debian's interpreter: the one with python3-h5py and python3-numpy (the first python3 on PATH may be a pyenv without them). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Runs a Python snippet with Debian's h5py/numpy and returns its stdout; fails the test loudly if they are missing. */
export function python(code: string, ...args: string[]): string {
  const check = spawnSync(DEBIAN_PYTHON, ['-c', 'import h5py, numpy']);
  if (check.status !== 0) throw new Error(`${DEBIAN_PYTHON} with h5py and numpy is required (apt-get install python3-h5py python3-numpy; .ci/run does): ${check.stderr}`);
  return execFileSync(DEBIAN_PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
}

/** Runs a command-line tool, failing loudly if it is not installed. */
export function tool(command: string, args: string[], pkg: string): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${command} is required: apt-get install ${pkg} (.ci/run does)`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs the omvd CLI from source, as a user would run the installed binary. */
export function omvd(args: string[], env: NodeJS.ProcessEnv = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(REPO, 'host/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

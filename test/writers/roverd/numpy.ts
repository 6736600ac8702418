import { execFileSync, spawnSync } from 'node:child_process';

/** Debian's interpreter, which has python3-numpy (the first python3 on PATH may be a pyenv without it). */
const PYTHON = '/usr/bin/python3';

/** Runs a Python snippet with Debian's numpy and returns its stdout parsed as JSON; fails loudly if numpy is missing. */
export function numpyJson(code: string, ...args: string[]): unknown {
  const check = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    throw new Error(`${PYTHON} with numpy is required for this check (apt-get install python3-numpy; .ci/run does): ${check.error?.message ?? check.stderr}`);
  }
  return JSON.parse(execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' }));
}

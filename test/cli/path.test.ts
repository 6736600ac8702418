import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT_MS, REPO } from '../support/tools.js';

const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  expect(r.status, `${command} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

/** The README's two ways to get an `omvd` command, as a user follows them after `npm ci`. */
describe('getting an omvd command', () => {
  it('npx omvd runs it from the clone', () => {
    // --ignore-scripts: npx would run `prepare` and rebuild dist/ under the other test files' commands.
    expect(run('npx', ['--no-install', '--ignore-scripts', 'omvd', '--version'], REPO)).toBe(version);
  });

  it('npm install -g (what npm link does) puts omvd on the PATH', () => {
    const prefix = mkdtempSync(join(tmpdir(), 'omvd-prefix-'));
    // --ignore-scripts: dist/ is built (npm ci did it, as for a user); `prepare` would rebuild it under the other files' feet.
    run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', REPO], REPO);
    expect(run(join(prefix, 'bin', 'omvd'), ['--version'], tmpdir())).toBe(version);
    expect(run(join(prefix, 'bin', 'omvd'), ['--help'], tmpdir())).toMatch(/omvd — get image data off OpenMV cameras/);
  });
});

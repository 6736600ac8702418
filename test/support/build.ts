import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import { OMVD_BIN, REPO } from './tools.js';

/**
 * vitest globalSetup: compiles the sources to dist/ once per run, so every CLI test runs the binary a user runs
 * (node dist/host/cli/main.js) and no spawn pays for transpiling TypeScript.
 */
export default function setup(): void {
  execFileSync(process.execPath, [resolve(REPO, 'node_modules/typescript/bin/tsc'), '-p', resolve(REPO, 'tsconfig.build.json')], { cwd: REPO, stdio: 'inherit', timeout: 120_000 });
  chmodSync(OMVD_BIN, 0o755); // executable, as npm makes a package's bin when it links it
}

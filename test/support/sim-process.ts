import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO } from './tools.js';

export interface SimProcess {
  path: string;
  sd: string;
  id: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGINT, then waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `omvd sim --json` as a user would (from source) and waits until it serves its pty. */
export async function startSim(args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO, 'host/cli/main.ts'), 'sim', '--json', '--quiet', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) ok(out.split('\n')[0]!);
    });
    child.once('exit', (code) => fail(new Error(`omvd sim exited (${code}) before serving: ${err}`)));
  });
  const info = JSON.parse(line) as { path: string; sd: string; id: string };
  return {
    ...info,
    child,
    stderr: () => err,
    stop: (signal = 'SIGINT') =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok(child.exitCode);
        child.once('exit', (code) => ok(code));
        child.kill(signal);
      }),
  };
}

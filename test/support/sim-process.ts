import type { ChildProcess } from 'node:child_process';
import { spawnOmvd } from './tools.js';

export interface SimProcess {
  path: string;
  sd: string;
  id: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGINT (or `signal`), then waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts `omvd sim --json` as a user would and waits until it serves its pty. `nice` runs it at another priority:
 * a negative one (root only; otherwise it runs as usual) keeps the virtual camera as steady as a real one, whose
 * own processor a loaded host does not slow.
 */
export async function startSim(args: string[], { timeoutMs = 60_000, nice }: { timeoutMs?: number; nice?: number } = {}): Promise<SimProcess> {
  const proc = spawnOmvd(['sim', '--json', '--quiet', ...args], {}, 30 * 60_000, nice);
  const line = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      fail(new Error(`omvd sim did not serve within ${timeoutMs} ms: ${proc.stderr()}`));
    }, timeoutMs);
    proc.child.stdout!.on('data', () => {
      const out = proc.stdout();
      if (out.includes('\n')) {
        clearTimeout(timer);
        ok(out.split('\n')[0]!);
      }
    });
    void proc.exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`omvd sim exited (${code}) before serving: ${proc.stderr()}`));
    });
  });
  const info = JSON.parse(line) as { path: string; sd: string; id: string };
  return { ...info, child: proc.child, stderr: proc.stderr, stop: (signal = 'SIGINT') => proc.stop(signal) };
}

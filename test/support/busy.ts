import { spawn, type ChildProcess } from 'node:child_process';

/** Keeps every core busy, as a loaded host does: `n` spinning shells, stopped by PID. */
export function busyCores(n = 3): { stop(): Promise<void> } {
  const spinners: ChildProcess[] = Array.from({ length: n }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  const killers = spinners.map((c) => setTimeout(() => c.kill('SIGKILL'), 30 * 60_000));
  return {
    async stop() {
      await Promise.all(
        spinners.map(
          (c, i) =>
            new Promise<void>((ok) => {
              clearTimeout(killers[i]);
              if (c.exitCode !== null || c.signalCode !== null) return ok();
              c.once('exit', () => ok());
              c.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

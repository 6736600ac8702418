import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * Mounts a small tmpfs at `dir` (a full disk, or with `ro` a read-only one) and returns its unmount. Root ignores
 * file modes, so a read-only or full filesystem needs a real mount: if mounting is impossible the test fails here,
 * loudly, rather than passing without having tested anything.
 */
export function mountTmpfs(dir: string, options: { sizeKiB: number; readOnly?: boolean }): () => void {
  mkdirSync(dir, { recursive: true });
  const opts = [`size=${options.sizeKiB}k`, ...(options.readOnly ? ['ro'] : [])].join(',');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'pipe', timeout: 10_000 });
  } catch (err) {
    throw new Error(`this test needs a tmpfs mount at ${dir} (run as root, or in CI's container): mount -t tmpfs -o ${opts} failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
  }
  return () => execFileSync('umount', [dir], { stdio: 'pipe', timeout: 10_000 });
}

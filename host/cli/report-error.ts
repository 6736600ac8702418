import { OmvError } from '../../protocol/errors.js';
import { exitCodeFor, type ExitCode } from './exit-codes.js';

/** Prints an error for a person (or as JSON with --json) and returns the process exit code. */
export function reportError(err: unknown, json = process.argv.includes('--json')): ExitCode {
  const known = err instanceof OmvError;
  const message = err instanceof Error ? err.message : String(err);
  const code = known ? err.code : 'EINTERNAL';
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
  } else {
    process.stderr.write(`omvd: ${message}\n`);
    if (!known && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  return exitCodeFor(err);
}

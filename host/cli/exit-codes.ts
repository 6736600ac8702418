import { OmvError } from '../../protocol/errors.js';

/**
 * omvd's exit codes, the same for every command (the rsync habit: a script can tell "try again" from "fix the
 * command" from "fix the disk"). The README's table is this one.
 */
export const Exit = {
  /** Everything asked for was done. */
  OK: 0,
  /** The command could not do its job (the camera refused, a file is not a recording, a copy did not verify). */
  FAILED: 1,
  /** A flag, argument, session file or config file is wrong: fix the command. */
  USAGE: 2,
  /** No camera: a named port gave none, none was found, or it went away and did not come back. */
  NO_CAMERA: 3,
  /** Partly done: some items succeeded, others did not; the summary says which and why. Run it again. */
  PARTIAL: 4,
  /** The host's disk: full, read-only, or not writable by this user. */
  IO: 5,
  /**
   * The object store: it refused the credentials, lacks the bucket, is full or read-only, denied a request, or did
   * not answer for too long. Nothing unverified was published; fix the store or its settings and run again.
   */
  STORE: 6,
  /** A bug in omvd: please report it with the message. */
  INTERNAL: 70,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM before it finished; what was done is kept and a re-run resumes. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

const BY_CODE: Record<string, ExitCode> = {
  EUSAGE: Exit.USAGE,
  ECONFIG: Exit.USAGE,
  ESESSIONFILE: Exit.USAGE,
  EYAML: Exit.USAGE,
  ENOCAMERA: Exit.NO_CAMERA,
  ENOTCAMERA: Exit.NO_CAMERA,
  EPORT: Exit.NO_CAMERA,
  ECLOSED: Exit.NO_CAMERA,
  ETIMEDOUT: Exit.NO_CAMERA,
  ENOCHANNEL: Exit.NO_CAMERA,
  ENOSPC: Exit.IO,
  EROFS: Exit.IO,
  EACCES: Exit.IO,
  EPERM: Exit.IO,
  EDISK: Exit.IO,
  ECREDENTIALS: Exit.STORE,
  ENOBUCKET: Exit.STORE,
  ESTOREDENIED: Exit.STORE,
  ESTOREFULL: Exit.STORE,
  ECLOCKSKEW: Exit.STORE,
  ESTOREUNREACHABLE: Exit.STORE,
  EINTERRUPTED: Exit.INTERRUPTED,
  // An output that is there already (or a .part a killed run left): --force, or another path.
  EEXIST: Exit.USAGE,
  ENOTDIR: Exit.USAGE,
  // `omvd view --listen`: the address is taken or not this machine's.
  ELISTEN: Exit.USAGE,
  // `sync --once --root` other than the root of the daemon that serves the camera.
  EDAEMONROOT: Exit.USAGE,
  EDQUOT: Exit.IO,
  /** Some items were done and others not; the summary lists each failure with its own code. */
  EPARTIAL: Exit.PARTIAL,
};

/** The exit code for an error code (OmvError.code) that ended a command or one item of it. */
export function exitCodeForCode(code: string): ExitCode {
  return code === 'EINTERNAL' ? Exit.INTERNAL : (BY_CODE[code] ?? Exit.FAILED);
}

/** The exit code for an error a command ended with. */
export function exitCodeFor(err: unknown): ExitCode {
  return err instanceof OmvError ? exitCodeForCode(err.code) : Exit.INTERNAL;
}

import { OmvError } from '../../protocol/errors.js';

/** A request the API refuses before it reaches a camera: `status` is the HTTP status, the message says why. */
export class ApiError extends OmvError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** HTTP statuses for the codes the daemon's own errors carry; any other failure is a 500 with its code. */
const STATUS: Record<string, number> = {
  EUSAGE: 400,
  ESESSIONFILE: 400,
  EYAML: 400,
  ENOCAMERA: 404,
  ENOTCAMERA: 404,
  ENOCHANNEL: 409,
  ECAMERABUSY: 409,
  ESYNCPAUSED: 409,
  EEXIST: 409,
  ECLOSED: 503,
  ETIMEDOUT: 503,
  ENOSPC: 507,
  EACCES: 403,
  EROFS: 403,
};

export function statusFor(err: unknown): number {
  if (err instanceof ApiError) return err.status;
  return err instanceof OmvError ? (STATUS[err.code] ?? 500) : 500;
}

/** The JSON body of a failure, as every command's `--json` has it. */
export function errorBody(err: unknown): { ok: false; error: { code: string; message: string } } {
  const code = err instanceof OmvError ? err.code : 'EINTERNAL';
  return { ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
}

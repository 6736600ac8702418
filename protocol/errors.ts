/**
 * Base of every error omvd throws. `code` is stable and machine-readable; the message says what happened,
 * where, and what the user can do about it. Libraries throw these; only the CLI turns them into exit codes.
 */
export class OmvError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that do not follow the format they claim to be in (a file, a packet payload, a device reply). */
export class FormatError extends OmvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EFORMAT', message, options);
  }
}

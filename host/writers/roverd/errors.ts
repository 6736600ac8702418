import { OmvError } from '../../../protocol/errors.js';

/** A sensor's meta.json (or an entry about to be written to it) that roverd would refuse. */
export class MetaError extends OmvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EMETA', message, options);
  }
}

/** A trace or sensor used against the layout's rules: an existing one created again, a frame that does not fit, a bad name. */
export class TraceError extends OmvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ETRACE', message, options);
  }
}

/** A valid roverd channel format this reader does not open (`mjpg`, `lzma`, `lzmaf`). */
export class UnsupportedFormatError extends OmvError {
  constructor(message: string) {
    super('EUNSUPPORTED', message);
  }
}

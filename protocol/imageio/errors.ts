import { FormatError } from '../errors.js';

/**
 * Bytes of an ImageIO stream that break the format. `offset` is the file offset of the offending magic or record
 * header; `frameIndex` the index the record would have had (undefined for the magic). Everything before `offset`
 * was valid.
 */
export class ImageIoFormatError extends FormatError {
  constructor(
    readonly offset: number,
    readonly frameIndex: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The error for a record header that cannot be right: says which frame, where, and that earlier frames are intact. */
export function corruptRecord(offset: number, frameIndex: number, what: string): ImageIoFormatError {
  return new ImageIoFormatError(
    offset,
    frameIndex,
    `frame ${frameIndex} at byte ${offset}: ${what}. The recording is corrupt from this record on; ` +
      `the ${frameIndex} frame(s) before it are intact and can be exported.`,
  );
}

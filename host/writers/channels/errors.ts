import { OmvError } from '../../../protocol/errors.js';

/** A file in a blob folder that is not one of its blobs in sequence; roverd counts every entry as a sample. */
export class StrayFileError extends OmvError {
  constructor(readonly file: string, reason: string) {
    super('ESTRAY', `${file} ${reason}; roverd counts every entry of a blob folder as a sample: move it out of the folder`);
  }
}

/** A second write started on a channel while one is running (sample numbering needs one writer at a time). */
export class ChannelBusyError extends OmvError {
  constructor(path: string) {
    super('EBUSY', `${path}: another write to this channel is still running; await it before writing again`);
  }
}

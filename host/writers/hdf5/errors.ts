import { OmvError } from '../../../protocol/errors.js';

/**
 * - `EHDF5`: HDF5 refused an operation, or the writer was used wrongly (unknown feature, wrong item size, closed).
 * - `EHDF5ATTR`: a root attribute name that is not `section:key` (dclab refuses such a file).
 * - `EHDF5EXISTS`: a log or table of that name is already in the file.
 * - `EHDF5LENGTH`: the features in /events have different lengths at close.
 * - `EFRAMEORDER`: a frame number that was already written, declared missing, or given twice.
 * - `EABORTED`: the writer was aborted; its `.part` file is left as it was.
 */
export type Hdf5ErrorCode = 'EHDF5' | 'EHDF5ATTR' | 'EHDF5EXISTS' | 'EHDF5LENGTH' | 'EFRAMEORDER' | 'EABORTED';

export class Hdf5Error extends OmvError {
  declare readonly code: Hdf5ErrorCode;

  constructor(code: Hdf5ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

import type { FileHandle } from 'node:fs/promises';
import { FormatError } from '../../../protocol/errors.js';

/** Fills `buf` from `position`; a file that ends first (cut or truncated under us) is a FormatError. */
export async function readFully(fh: FileHandle, buf: Uint8Array, position: number, path: string): Promise<Uint8Array> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) {
      throw new FormatError(`${path} ended ${buf.length - done} bytes early at offset ${position + done}: was it truncated while being read?`);
    }
    done += bytesRead;
  }
  return buf;
}
